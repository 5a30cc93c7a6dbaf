// SPDX-License-Identifier: Apache-2.0
package dev.egemma.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.egemma.gguf.GgmlType;
import dev.egemma.gguf.GgufFile;
import dev.egemma.gguf.GgufStringArray;
import dev.egemma.gguf.GgufTensor;
import dev.egemma.gguf.GgufValue;
import dev.egemma.gguf.GgufValueType;
import dev.egemma.kernels.WeightMatrix;
import dev.egemma.model.ModelConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintStream;
import java.lang.reflect.Array;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Callable;

/** {@code egemma inspect MODEL [--json]}: what a GGUF file holds and how egemma understands it. */
@Command(name = "inspect", mixinStandardHelpOptions = true,
        description = "Show a GGUF file's metadata (long arrays abbreviated), tensors with type, shape, offset and size, "
                + "totals per type (unknown type ids as type#N), the tensors whose type egemma cannot compute, the EmbeddingGemma "
                + "hyper-parameters as understood, and any validation problem.")
public final class InspectCommand implements Callable<Integer> {
    /** Weight types egemma's backends compute; a tensor of any other type (or an unknown id) is listed as not computable. */
    static final Set<GgmlType> COMPUTABLE = WeightMatrix.SUPPORTED;

    @Parameters(index = "0", paramLabel = "MODEL", description = "GGUF file")
    Path model;

    @Option(names = "--json", description = "Print one JSON object instead of text.")
    boolean json;

    @Option(names = "--array-items", defaultValue = "8", paramLabel = "N", description = "Array elements shown before abbreviating (default: ${DEFAULT-VALUE}).")
    int arrayItems;

    @Override
    public Integer call() throws IOException {
        PrintStream out = System.out;
        try (GgufFile f = GgufFile.open(model)) {
            Map<String, Object> report = report(f);
            if (json) {
                out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(report));
            } else {
                printText(out, f, report);
            }
            return 0;
        } catch (RuntimeException e) { // a file that parses but that a report step cannot take: still one line, no trace
            throw new CliErrors.Failure(model + ": " + CliErrors.message(e), e);
        }
    }

    private Map<String, Object> report(GgufFile f) throws IOException {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("file", f.path().toString());
        r.put("fileBytes", Files.size(f.path()));
        r.put("version", f.version());
        r.put("alignment", f.alignment());
        r.put("dataOffset", f.dataOffset());
        Map<String, Object> meta = new LinkedHashMap<>();
        f.metadata().forEach((k, v) -> meta.put(k, describe(v)));
        r.put("metadata", meta);
        List<Map<String, Object>> tensors = new ArrayList<>();
        // by type id, so that ids ggml does not define (no GgmlType) are counted as well
        Map<Integer, TypeCount> byType = new TreeMap<>();
        List<Map<String, Object>> notComputable = new ArrayList<>();
        long bytes = 0, elements = 0;
        for (GgufTensor t : f.tensors().values()) {
            Long size = t.hasKnownType() ? t.byteSize() : null; // an unknown type's size cannot be known
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", t.name());
            m.put("type", t.typeName());
            m.put("typeId", t.typeId());
            m.put("shape", t.shape());
            m.put("offset", t.offset());
            m.put("bytes", size);
            tensors.add(m);
            byType.computeIfAbsent(t.typeId(), k -> new TypeCount(t.typeName())).add(t.elementCount(), size);
            if (size != null) bytes += size;
            elements += t.elementCount();
            if (!t.hasKnownType() || !COMPUTABLE.contains(t.type())) notComputable.add(Map.of("name", t.name(), "type", t.typeName()));
        }
        r.put("tensors", tensors);
        Map<String, Object> totals = new LinkedHashMap<>();
        totals.put("tensors", f.tensors().size());
        totals.put("elements", elements);
        totals.put("bytes", bytes);
        Map<String, Object> types = new LinkedHashMap<>();
        byType.values().forEach(c -> types.put(c.name, c.json()));
        totals.put("byType", types);
        r.put("totals", totals);
        r.put("notComputable", notComputable);
        List<String> problems = new ArrayList<>();
        try {
            ModelConfig c = ModelConfig.from(f);
            r.put("hyperParameters", hyperParameters(c));
            problems.addAll(c.tensorProblems(f));
        } catch (IllegalArgumentException e) {
            r.put("hyperParameters", null);
            problems.add(e.getMessage());
        }
        try {
            dev.egemma.tokenizer.Tokenizer.fromGguf(f); // what Embedder.open refuses in the vocabulary (e.g. a BOS id out of range)
        } catch (IllegalArgumentException e) {
            problems.add(e.getMessage());
        }
        r.put("problems", problems);
        return r;
    }

    /** Tensors, elements and bytes of one type id; bytes stay null once a tensor of unknown size is counted. */
    private static final class TypeCount {
        final String name;
        long tensors, elements;
        Long bytes = 0L;

        TypeCount(String name) {
            this.name = name;
        }

        void add(long elements, Long size) {
            tensors++;
            this.elements += elements;
            bytes = bytes == null || size == null ? null : bytes + size;
        }

        Map<String, Object> json() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("tensors", tensors);
            m.put("bytes", bytes);
            m.put("elements", elements);
            return m;
        }
    }

    private static Map<String, Object> hyperParameters(ModelConfig c) {
        Map<String, Object> h = new LinkedHashMap<>();
        h.put("architecture", c.architecture());
        h.put("contextLength", c.contextLength());
        h.put("nEmbd", c.nEmbd());
        h.put("nLayer", c.nLayer());
        h.put("nFf", c.nFf());
        h.put("nHead", c.nHead());
        h.put("nHeadKv", c.nHeadKv());
        h.put("headDimK", c.headDimK());
        h.put("headDimV", c.headDimV());
        h.put("nRot", c.nRot());
        h.put("ropeFreqBase", c.ropeFreqBase());
        h.put("ropeFreqBaseSwa", c.ropeFreqBaseSwa());
        h.put("slidingWindow", c.slidingWindow());
        h.put("rmsEps", c.rmsEps());
        h.put("poolingType", c.poolingType());
        h.put("vocabSize", c.vocabSize());
        h.put("dense2Out", c.dense2Out());
        h.put("dense3In", c.dense3In());
        List<Integer> global = new ArrayList<>();
        for (int il = 0; il < c.nLayer(); il++) if (!c.isSliding(il)) global.add(il);
        h.put("globalLayers", global);
        return h;
    }

    /** A scalar as is; an array as type, length and its first items. */
    private Object describe(GgufValue v) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", v.type().name());
        if (v.type() != GgufValueType.ARRAY) {
            m.put("value", v.value());
            return m;
        }
        m.put("elementType", v.elementType().name());
        m.put("length", v.length());
        int n = Math.min(v.length(), arrayItems);
        List<Object> head = new ArrayList<>();
        GgufStringArray s = v.stringArray();
        for (int i = 0; i < n; i++) {
            if (s != null) head.add(s.get(i));
            else {
                Object e = Array.get(v.value(), i);
                head.add(e instanceof GgufValue g ? describe(g) : e);
            }
        }
        m.put(n < v.length() ? "first" : "values", head);
        return m;
    }

    @SuppressWarnings("unchecked")
    private void printText(PrintStream out, GgufFile f, Map<String, Object> r) {
        out.printf("%s: GGUF v%d, %,d bytes, alignment %d, tensor data at %,d%n", r.get("file"), f.version(), (Long) r.get("fileBytes"),
                f.alignment(), f.dataOffset());
        out.printf("%nmetadata (%d keys):%n", f.metadata().size());
        for (Map.Entry<String, GgufValue> e : f.metadata().entrySet()) {
            out.printf("  %-50s %s%n", e.getKey(), text(e.getValue()));
        }
        out.printf("%ntensors (%d):%n", f.tensors().size());
        if (!f.tensors().isEmpty()) out.printf("  %-36s %-7s %-16s %14s %14s%n", "name", "type", "shape", "offset", "bytes");
        for (GgufTensor t : f.tensors().values()) {
            out.printf("  %-36s %-7s %-16s %,14d %14s%n", t.name(), t.typeName(), Arrays.toString(t.shape()), t.offset(), bytesText(t.hasKnownType() ? t.byteSize() : null));
        }
        Map<String, Object> totals = (Map<String, Object>) r.get("totals");
        out.printf("%ntotal: %d tensors, %,d elements, %,d bytes%n", totals.get("tensors"), (Long) totals.get("elements"), (Long) totals.get("bytes"));
        ((Map<String, Object>) totals.get("byType")).forEach((t, c) -> {
            Map<String, Object> m = (Map<String, Object>) c;
            out.printf("  %-7s %4d tensors, %s bytes%n", t, (Long) m.get("tensors"), bytesText((Long) m.get("bytes")));
        });
        List<Map<String, Object>> cannot = (List<Map<String, Object>>) r.get("notComputable");
        out.printf("%ntypes egemma cannot compute: %s%n", cannot.isEmpty() ? "none" : cannot.size() + " tensors");
        for (Map<String, Object> t : cannot) out.printf("  %-36s %s%n", t.get("name"), t.get("type"));
        Map<String, Object> h = (Map<String, Object>) r.get("hyperParameters");
        if (h != null) {
            out.printf("%nEmbeddingGemma hyper-parameters:%n");
            h.forEach((k, v) -> out.printf("  %-16s %s%n", k, v));
        }
        List<String> problems = (List<String>) r.get("problems");
        out.printf("%nproblems: %s%n", problems.isEmpty() ? "none" : problems.size());
        for (String p : problems) out.println("  " + p);
    }

    private static String bytesText(Long bytes) {
        return bytes == null ? "unknown" : String.format("%,d", bytes);
    }

    private String text(GgufValue v) {
        if (v.type() != GgufValueType.ARRAY) return v.type() + " " + v;
        StringBuilder b = new StringBuilder("[" + v.elementType() + " x " + v.length() + "]");
        int n = Math.min(v.length(), arrayItems);
        List<String> items = new ArrayList<>();
        GgufStringArray s = v.stringArray();
        for (int i = 0; i < n; i++) {
            if (s != null) items.add('"' + s.get(i) + '"');
            else {
                Object e = Array.get(v.value(), i);
                items.add(e instanceof GgufValue g ? text(g) : String.valueOf(e));
            }
        }
        b.append(' ').append(String.join(", ", items));
        if (n < v.length()) b.append(", ...");
        return b.toString();
    }
}
