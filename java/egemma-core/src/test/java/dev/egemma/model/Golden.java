// SPDX-License-Identifier: Apache-2.0
package dev.egemma.model;

import dev.egemma.testing.MiniJson;
import dev.egemma.testing.TestData;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** One {@code testdata/golden/*.golden.json}: llama.cpp's tokens, raw and normalized embeddings per text. */
record Golden(Path model, List<Item> items) {

    record Item(int index, String text, int[] tokens, float[] raw, float[] embedding) {}

    static Golden load(String name) throws IOException {
        return load("golden", name);
    }

    /** {@code testdata/<dir>/<name>.golden.json} and its model {@code <name>.gguf}. */
    @SuppressWarnings("unchecked")
    static Golden load(String dir, String name) throws IOException {
        Path json = TestData.file(dir + "/" + name + ".golden.json");
        Map<String, Object> root = (Map<String, Object>) MiniJson.parse(Files.readString(json));
        List<Item> items = ((List<Object>) root.get("items")).stream().map(o -> {
            Map<String, Object> m = (Map<String, Object>) o;
            return new Item(((Number) m.get("index")).intValue(), (String) m.get("text"),
                    ((List<Object>) m.get("tokens")).stream().mapToInt(v -> ((Number) v).intValue()).toArray(),
                    floats((List<Object>) m.get("raw")), floats((List<Object>) m.get("embedding")));
        }).toList();
        return new Golden(TestData.file(dir + "/" + name + ".gguf"), items);
    }

    private static float[] floats(List<Object> l) {
        float[] f = new float[l.size()];
        for (int i = 0; i < f.length; i++) f[i] = ((Number) l.get(i)).floatValue();
        return f;
    }
}
