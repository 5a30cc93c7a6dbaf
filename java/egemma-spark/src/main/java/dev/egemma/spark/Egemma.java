// SPDX-License-Identifier: Apache-2.0
package dev.egemma.spark;

import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StringType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

import java.util.Arrays;

/**
 * EmbeddingGemma in Spark: each executor JVM opens the model once (lazily, on its first task) and reuses it for
 * every later task, partition and job; it is closed when the executor exits.
 *
 * <pre>{@code
 * spark.conf().set("spark.egemma.model", "/models/embeddinggemma-300m-Q8_0.gguf");
 * Dataset<Row> out = Egemma.embed(spark.read().text("docs.txt").withColumnRenamed("value", "text"), "text", "embedding");
 * }</pre>
 */
public final class Egemma {
    /** Type of the embedding column: non-null floats. */
    public static final ArrayType VECTOR_TYPE = DataTypes.createArrayType(DataTypes.FloatType, false);

    private Egemma() {}

    /**
     * {@link #embed(Dataset, String, String, EmbedderSpec)} with the spec from the session's {@code spark.egemma.*} conf.
     *
     * @param df              the rows
     * @param textColumn      a string column
     * @param embeddingColumn the name of the new column
     * @return {@code df} with the embedding column appended
     * @throws IllegalArgumentException if the conf has no model, {@code textColumn} is no string column or
     *         {@code embeddingColumn} exists
     */
    public static Dataset<Row> embed(Dataset<Row> df, String textColumn, String embeddingColumn) {
        return embed(df, textColumn, embeddingColumn, EmbedderSpec.fromConf(df.sparkSession().conf()));
    }

    /**
     * {@code df} with a column {@code embeddingColumn} (array of floats, null where the text is null) holding the
     * embedding of the string column {@code textColumn}. Rows are embedded partition by partition,
     * {@code spec.rowsPerBatch()} at a time, so the engine batches them; partitioning and row order are kept.
     *
     * @param df              the rows
     * @param textColumn      a string column
     * @param embeddingColumn the name of the new column, not yet in {@code df}
     * @param spec            the model and options each executor opens
     * @return {@code df} with the embedding column appended (lazily: the embedding runs when an action does)
     * @throws IllegalArgumentException if {@code textColumn} is no string column or {@code embeddingColumn} exists
     */
    public static Dataset<Row> embed(Dataset<Row> df, String textColumn, String embeddingColumn, EmbedderSpec spec) {
        StructType schema = df.schema();
        int textIndex = schema.fieldIndex(textColumn);
        if (!(schema.fields()[textIndex].dataType() instanceof StringType))
            throw new IllegalArgumentException("column '" + textColumn + "' must be a string, is " + schema.fields()[textIndex].dataType().simpleString());
        if (Arrays.asList(schema.fieldNames()).contains(embeddingColumn))
            throw new IllegalArgumentException("column '" + embeddingColumn + "' already exists");
        StructType out = schema.add(new StructField(embeddingColumn, VECTOR_TYPE, true, org.apache.spark.sql.types.Metadata.empty()));
        return df.mapPartitions(mapPartitions(spec, textIndex), Encoders.row(out));
    }

    /**
     * The {@code mapPartitions} body behind {@link #embed}, for callers building their own plan: returns each row
     * with the embedding of its string field {@code textIndex} appended (pair it with {@code Encoders.row(schema +
     * VECTOR_TYPE)}).
     *
     * @param spec      the model and options each executor opens
     * @param textIndex index of the string field to embed
     * @return the function, serializable
     */
    public static MapPartitionsFunction<Row, Row> mapPartitions(EmbedderSpec spec, int textIndex) {
        return new EmbedPartition(spec, textIndex);
    }

    /**
     * A column function embedding one text per row: {@code df.withColumn("v", Egemma.embedColumn(spec).apply(col("text")))}.
     * Handy inside larger expressions; each call is a single-text forward pass, so prefer {@link #embed} for bulk
     * work (it hands the engine hundreds of rows at once).
     *
     * @param spec the model and options each executor opens
     * @return a UDF from a string column to an array of floats (null for a null text)
     */
    public static UserDefinedFunction embedColumn(EmbedderSpec spec) {
        UDF1<String, float[]> f = text -> text == null ? null : ExecutorEmbedders.get(spec).embed(text);
        return functions.udf(f, VECTOR_TYPE).withName("egemma_embed");
    }

    /**
     * {@link #embedColumn(EmbedderSpec)} with the active session's {@code spark.egemma.*} conf, applied to {@code text}.
     *
     * @param text a string column
     * @return the embedding column expression
     */
    public static Column embedColumn(Column text) {
        return embedColumn(EmbedderSpec.fromConf(SparkSession.active().conf())).apply(text);
    }
}
