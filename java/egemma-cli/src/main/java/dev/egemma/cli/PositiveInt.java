// SPDX-License-Identifier: Apache-2.0
package dev.egemma.cli;

import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * An option that counts something (threads, tokens, dimensions): a whole number >= 1, refused at parse time as a
 * usage error (exit 2) instead of reaching the library as an IllegalArgumentException.
 */
final class PositiveInt implements ITypeConverter<Integer> {
    @Override
    public Integer convert(String value) {
        int v;
        try {
            v = Integer.parseInt(value.strip());
        } catch (NumberFormatException e) {
            throw new TypeConversionException("'" + value + "' is not a whole number");
        }
        if (v < 1) throw new TypeConversionException("must be >= 1, got " + v);
        return v;
    }
}
