// SPDX-License-Identifier: Apache-2.0
package dev.egemma.spark;

import dev.egemma.Embedder;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;

/**
 * {@code mapPartitions} body: reads up to {@code rowsPerBatch} rows, embeds their texts in one
 * {@link Embedder#embed(List)} call (the engine sorts and packs them into token micro-batches) and returns each
 * row with its vector appended. Lazy: a partition is never held in memory whole. A null text gets a null vector.
 */
final class EmbedPartition implements MapPartitionsFunction<Row, Row> {
    private final EmbedderSpec spec;
    private final int textIndex;

    EmbedPartition(EmbedderSpec spec, int textIndex) {
        this.spec = spec;
        this.textIndex = textIndex;
    }

    @Override
    public Iterator<Row> call(Iterator<Row> rows) {
        return new Iterator<>() {
            private Iterator<Row> batch = List.<Row>of().iterator();

            @Override
            public boolean hasNext() {
                if (!batch.hasNext() && rows.hasNext()) batch = embedNext(rows);
                return batch.hasNext();
            }

            @Override
            public Row next() {
                if (!hasNext()) throw new NoSuchElementException();
                return batch.next();
            }
        };
    }

    private Iterator<Row> embedNext(Iterator<Row> rows) {
        List<Row> in = new ArrayList<>(spec.rowsPerBatch());
        List<String> texts = new ArrayList<>(spec.rowsPerBatch());
        while (in.size() < spec.rowsPerBatch() && rows.hasNext()) {
            Row r = rows.next();
            in.add(r);
            if (!r.isNullAt(textIndex)) texts.add(r.getString(textIndex));
        }
        float[][] vectors = texts.isEmpty() ? new float[0][] : ExecutorEmbedders.get(spec).embed(texts);
        List<Row> out = new ArrayList<>(in.size());
        int v = 0;
        for (Row r : in) out.add(withVector(r, r.isNullAt(textIndex) ? null : vectors[v++]));
        return out.iterator();
    }

    private static Row withVector(Row r, float[] vector) {
        Object[] values = new Object[r.length() + 1];
        for (int i = 0; i < r.length(); i++) values[i] = r.get(i);
        values[r.length()] = vector;
        return RowFactory.create(values);
    }
}
