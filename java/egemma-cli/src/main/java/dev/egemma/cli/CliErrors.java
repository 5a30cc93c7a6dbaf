// SPDX-License-Identifier: Apache-2.0
package dev.egemma.cli;

import dev.egemma.gguf.GgufFormatException;
import dev.egemma.staticembed.Emb8FormatException;
import dev.egemma.tokenizer.SentencePieceFormatException;
import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.IParameterExceptionHandler;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;

/**
 * The one error policy of every command: a mistake is one line on stderr, {@code egemma <command>: <what and where>},
 * exit {@link #USAGE} for a wrong command line and {@link #FAILURE} for anything that went wrong while running it.
 * The stack trace only with {@code --verbose}: a user needs to know what to fix, not where in egemma it was noticed.
 */
final class CliErrors implements IExecutionExceptionHandler, IParameterExceptionHandler {
    static final int FAILURE = 1, USAGE = 2;

    /** A failure whose message already says what and where (a command throws it instead of printing and returning 1). */
    static final class Failure extends RuntimeException {
        Failure(String message) {
            super(message);
        }

        Failure(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private final Main main;

    CliErrors(Main main) {
        this.main = main;
    }

    @Override
    public int handleParseException(ParameterException ex, String[] args) {
        CommandLine cmd = ex.getCommandLine();
        PrintStream err = System.err;
        String name = cmd.getCommandSpec().qualifiedName();
        err.println(name + ": " + oneLine(ex.getMessage()) + " (see '" + name + " --help')");
        if (main.verbose) ex.printStackTrace(err);
        return USAGE;
    }

    @Override
    public int handleExecutionException(Exception ex, CommandLine cmd, ParseResult parsed) {
        if (ex instanceof ParameterException pe) return handleParseException(pe, parsed.originalArgs().toArray(String[]::new));
        PrintStream err = System.err;
        err.println(cmd.getCommandSpec().qualifiedName() + ": " + oneLine(message(ex)));
        if (main.verbose) ex.printStackTrace(err);
        return FAILURE;
    }

    /** What went wrong, in the user's terms: the file and the reason for I/O, the message for a refused input. */
    static String message(Throwable t) {
        return switch (t) {
            case Failure f -> f.getMessage();
            case GgufFormatException g -> g.getMessage();
            case Emb8FormatException g -> g.getMessage(); // these name the file, the byte and the field already
            case SentencePieceFormatException g -> g.getMessage();
            case NoSuchFileException e -> e.getFile() + ": no such file or directory";
            case AccessDeniedException e -> e.getFile() + ": permission denied";
            case FileSystemException e -> e.getFile() + ": " + (e.getReason() != null ? e.getReason() : e.getClass().getSimpleName());
            case UncheckedIOException e -> e.getCause() != null ? withContext(e.getMessage(), message(e.getCause())) : e.getMessage();
            case IOException e -> "I/O error: " + e.getMessage();
            case IllegalArgumentException e -> e.getMessage();
            case IllegalStateException e -> e.getMessage();
            case UnsupportedOperationException e -> e.getMessage();
            default -> "internal error: " + t + " (run with --verbose for the stack trace)";
        };
    }

    /** "context: cause", unless the context is only the cause's own text (as UncheckedIOException(cause) makes it). */
    private static String withContext(String context, String cause) {
        if (context == null || context.isEmpty() || cause.contains(context) || context.endsWith(cause)) return cause;
        return context + ": " + cause;
    }

    private static String oneLine(String s) {
        return s == null ? "(no message)" : s.strip().replaceAll("\\s*\\R\\s*", " ");
    }
}
