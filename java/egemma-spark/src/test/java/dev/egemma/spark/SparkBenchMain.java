// SPDX-License-Identifier: Apache-2.0
package dev.egemma.spark;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Throughput of a local[N] Spark job embedding a corpus (not a test: run by hand, see README "Spark").
 * Args: MODEL CORPUS THREADS [ROUNDS]. Prints one line per round; round 1 includes the model open.
 */
public final class SparkBenchMain {
    public static void main(String[] args) throws Exception {
        String model = args[0];
        List<String> texts = Files.readAllLines(Path.of(args[1]));
        int threads = Integer.parseInt(args[2]);
        int rounds = args.length > 3 ? Integer.parseInt(args[3]) : 3;
        SparkSession spark = SparkSession.builder().master("local[" + threads + "]").appName("egemma-spark-bench")
                .config("spark.ui.enabled", "false").config("spark.driver.bindAddress", "127.0.0.1")
                .config("spark.driver.host", "127.0.0.1").config("spark.egemma.model", model)
                .config("spark.egemma.threads", Integer.toString(threads)).getOrCreate();
        spark.sparkContext().setLogLevel("ERROR");
        try {
            List<Row> rows = new ArrayList<>();
            for (int i = 0; i < texts.size(); i++) rows.add(RowFactory.create((long) i, texts.get(i)));
            StructType schema = new StructType().add("id", DataTypes.LongType).add("text", DataTypes.StringType);
            Dataset<Row> df = spark.createDataFrame(rows, schema).repartition(threads).cache();
            df.count();
            for (int r = 1; r <= rounds; r++) {
                long t0 = System.nanoTime();
                long n = Egemma.embed(df, "text", "embedding").filter("embedding is not null").count();
                double s = (System.nanoTime() - t0) / 1e9;
                System.out.printf("spark round %d: %d texts in %.3f s = %.1f texts/s%n", r, n, s, n / s);
            }
        } finally {
            spark.stop();
        }
    }
}
