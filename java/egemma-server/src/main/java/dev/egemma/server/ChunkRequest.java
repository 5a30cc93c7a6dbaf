// SPDX-License-Identifier: Apache-2.0
package dev.egemma.server;

import dev.egemma.Chunking;
import dev.egemma.Task;

import java.util.List;

/**
 * A {@code POST /embed_chunks} request: texts to embed in chunks ({@link Chunking}), with TEI's {@code /embed} options.
 *
 * @param model      the served model's name
 * @param dimensions 0 for the full width, else the first {@code dimensions} values (normalized again when normalizing)
 */
record ChunkRequest(String model, List<String> texts, Chunking chunking, Task task, boolean normalize, int dimensions, VectorFormat format) {}
