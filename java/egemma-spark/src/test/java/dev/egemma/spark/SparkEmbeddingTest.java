// SPDX-License-Identifier: Apache-2.0
package dev.egemma.spark;

import dev.egemma.Backend;
import dev.egemma.Embedder;
import dev.egemma.Q8Order;
import dev.egemma.testing.GoldenQuant;
import org.apache.spark.SparkFiles;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** A local[2] Spark job embeds corpus rows exactly as the library does, opening the model once per JVM. */
class SparkEmbeddingTest {
    private static final int ROWS = 300;
    private static final StructType SCHEMA = new StructType().add("id", DataTypes.LongType).add("text", DataTypes.StringType);
    private static SparkSession spark;
    private static Path model;
    private static List<String> corpus;

    @BeforeAll
    static void startSpark() throws Exception {
        Path testdata = Path.of(System.getProperty("egemma.testdata", "../../testdata"));
        model = testdata.resolve("golden/small-dense-q8_0.gguf");
        corpus = Files.readAllLines(testdata.resolve("corpus/corpus-1000.txt")).subList(0, ROWS);
        spark = SparkSession.builder().master("local[2]").appName("egemma-spark-test")
                .config("spark.ui.enabled", "false")
                .config("spark.driver.bindAddress", "127.0.0.1").config("spark.driver.host", "127.0.0.1") // loopback only.config("spark.sql.shuffle.partitions", "2")
                .config("spark.egemma.model", model.toString()).config("spark.egemma.backend", "native")
                .config("spark.egemma.threads", "2").config("spark.egemma.rowsPerBatch", "64")
                .getOrCreate();
        spark.sparkContext().setLogLevel("WARN");
    }

    @AfterAll
    static void stopSpark() {
        if (spark != null) spark.stop();
        ExecutorEmbedders.closeAll();
    }

    @BeforeEach
    void noOpenEmbedders() {
        ExecutorEmbedders.closeAll();
    }

    /** The library's vectors, its Q8_0 order named: the Spark job, which sets none, must compute the default block order. */
    private static float[][] libraryVectors(List<String> texts) throws Exception {
        try (Embedder e = Embedder.open(model, Embedder.Options.defaults().withBackend(Backend.NATIVE).withQ8Order(Q8Order.BLOCK).withThreads(2))) {
            return e.embed(texts);
        }
    }

    private static Dataset<Row> rows(List<String> texts, int partitions) {
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < texts.size(); i++) rows.add(RowFactory.create((long) i, texts.get(i)));
        return spark.createDataFrame(rows, SCHEMA).repartition(partitions);
    }

    private static List<Row> byId(Dataset<Row> df) {
        List<Row> out = new ArrayList<>(df.collectAsList());
        out.sort(Comparator.comparingLong(r -> r.getLong(0)));
        return out;
    }

    private static float[] vector(Row r, String column) {
        List<Float> l = r.getList(r.fieldIndex(column));
        float[] v = new float[l.size()];
        for (int i = 0; i < v.length; i++) v[i] = l.get(i);
        return v;
    }

    @Test
    void datasetAndColumnFunctionMatchTheLibraryAndOpenTheModelOncePerJvm() throws Exception {
        int opensBefore = ExecutorEmbedders.OPENS.get();
        float[][] expected = libraryVectors(corpus);

        // 6 partitions over 2 task slots: several tasks and partitions per executor JVM
        List<Row> out = byId(Egemma.embed(rows(corpus, 6), "text", "embedding"));
        assertEquals(ROWS, out.size());
        for (int i = 0; i < ROWS; i++) {
            assertEquals(corpus.get(i), out.get(i).getString(1));
            assertArrayEquals(expected[i], vector(out.get(i), "embedding"), "row " + i);
        }

        // a second job, through the column function, reuses the same embedder
        List<String> some = corpus.subList(0, 40);
        List<Row> col = byId(rows(some, 3).withColumn("v", Egemma.embedColumn(col("text"))));
        for (int i = 0; i < some.size(); i++) assertArrayEquals(expected[i], vector(col.get(i), "v"), "udf row " + i);

        assertEquals(1, ExecutorEmbedders.OPENS.get() - opensBefore, "model opens in this JVM");
    }

    @Test
    void nullTextsGetNullVectorsAndOtherRowsKeepTheirOrder() throws Exception {
        List<String> texts = new ArrayList<>(corpus.subList(0, 5));
        texts.add(2, null);
        List<Row> out = byId(Egemma.embed(rows(texts, 1), "text", "embedding"));
        float[][] expected = libraryVectors(corpus.subList(0, 5));
        assertNull(out.get(2).get(2));
        for (int i = 0, k = 0; i < texts.size(); i++) if (i != 2) assertArrayEquals(expected[k++], vector(out.get(i), "embedding"));
        List<Row> udf = byId(rows(texts, 1).withColumn("v", Egemma.embedColumn(col("text"))));
        assertNull(udf.get(2).get(2));
    }

    @Test
    void modelShippedAsASparkFileIsResolvedOnTheExecutor() throws Exception {
        // what spark-submit --files / addFile leave on each executor: the file under SparkFiles' root directory
        // (addFile itself cannot run on JDK 24+ here: Hadoop 3.4's UGI calls Subject.getSubject; see README)
        Path shipped = Path.of(SparkFiles.getRootDirectory(), "shipped-model.gguf");
        Files.copy(model, shipped, StandardCopyOption.REPLACE_EXISTING);
        EmbedderSpec spec = EmbedderSpec.ofSparkFile("shipped-model.gguf").withBackend(Backend.NATIVE).withThreads(2);
        List<Row> out = byId(Egemma.embed(rows(corpus.subList(0, 20), 2), "text", "embedding", spec));
        float[][] expected = libraryVectors(corpus.subList(0, 20));
        for (int i = 0; i < 20; i++) assertArrayEquals(expected[i], vector(out.get(i), "embedding"));
    }

    /** Issue 24: a quantized file in Ollama's layout on the native backend (which hands its products to the Java kernels). */
    @Test
    void anOllamaQuantizedBlobEmbedsLikeLlamaCpp() {
        String blob = "q256-q4_k_m-ollama";
        List<String> texts = List.of("Hello world", GoldenQuant.DOCUMENT_PROMPTED);
        EmbedderSpec spec = EmbedderSpec.ofPath(GoldenQuant.model(blob).toString()).withBackend(Backend.NATIVE).withThreads(2);
        List<Row> out = byId(Egemma.embed(rows(texts, 2), "text", "embedding", spec));
        for (int i = 0; i < texts.size(); i++) GoldenQuant.assertMatches(blob, texts.get(i), vector(out.get(i), "embedding"));
    }

    @Test
    void badColumnsAndMissingModelAreRejectedOnTheDriver() {
        Dataset<Row> df = rows(corpus.subList(0, 2), 1);
        assertThrows(IllegalArgumentException.class, () -> Egemma.embed(df, "id", "embedding"));
        assertThrows(IllegalArgumentException.class, () -> Egemma.embed(df, "nope", "embedding"));
        assertThrows(IllegalArgumentException.class, () -> Egemma.embed(df, "text", "id"));
        SparkSession noModel = spark.newSession();
        noModel.conf().unset("spark.egemma.model");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Egemma.embed(noModel.createDataFrame(List.of(), SCHEMA), "text", "v"));
        assertEquals("spark.egemma.model is not set (a GGUF path, or sparkfiles:NAME)", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> EmbedderSpec.ofPath(model.toString()).withThreads(0));
    }
}
