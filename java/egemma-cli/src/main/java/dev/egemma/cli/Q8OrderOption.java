// SPDX-License-Identifier: Apache-2.0
package dev.egemma.cli;

import dev.egemma.Q8Order;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.TypeConversionException;

/** The {@code --q8-order} option of the commands that open a GGUF for embedding ({@code embed}, {@code bench}, {@code serve}). */
final class Q8OrderOption {
    static final String HELP = "Q8_0 product order, on both backends: block (default: one sum per output, the same bits on every "
            + "tier and backend, fastest) or llamacpp-x86 (llama.cpp's x86 bits where llama.cpp's own order allows, slower; old name: x86). "
            + "-Degemma.q8Order / EGEMMA_Q8_ORDER set the default.";

    @Option(names = "--q8-order", paramLabel = "block|llamacpp-x86", converter = Converter.class, description = HELP)
    Q8Order value;

    /** {@link Q8Order#byName}: the current names and the old ones, case ignored. */
    static final class Converter implements ITypeConverter<Q8Order> {
        @Override
        public Q8Order convert(String s) {
            try {
                return Q8Order.byName(s);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException("'" + s + "' is not one of " + Q8Order.names());
            }
        }
    }
}
