package dev.egemma.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code egemma} command. Each subcommand lives in its own class and is registered here.
 */
@Command(name = "egemma",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = "EmbeddingGemma embeddings on the JVM.",
        subcommands = {
                CommandLine.HelpCommand.class,
                BenchCommand.class,
                CapsCommand.class,
                DistillCommand.class,
                EmbedCommand.class,
                ExportEmbeddingsCommand.class,
                InspectCommand.class,
                QuantizeCommand.class,
                ServeCommand.class,
                SynthCommand.class,
                TokenizeCommand.class,
        })
public final class Main implements Runnable {
    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the CLI and returns its exit code (tests call this, not {@link #main}). */
    public static int run(String... args) {
        return new CommandLine(new Main()).setCaseInsensitiveEnumValuesAllowed(true).execute(args);
    }

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {
                    "egemma " + (v == null ? "dev" : v),
                    "JVM: " + System.getProperty("java.vm.name") + " " + Runtime.version()
                            + " (" + System.getProperty("os.name") + " " + System.getProperty("os.arch") + ")"
            };
        }
    }
}
