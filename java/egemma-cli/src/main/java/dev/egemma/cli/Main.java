// SPDX-License-Identifier: Apache-2.0
package dev.egemma.cli;

import java.util.List;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/**
 * The {@code egemma} command. Each subcommand lives in its own class and is registered here.
 */
@Command(name = "egemma",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = "EmbeddingGemma embeddings on the JVM.")
public final class Main implements Runnable {
    @Option(names = {"-v", "--verbose"}, scope = ScopeType.INHERIT,
            description = "More detail: an error's stack trace; for caps, every location the native loader tried.")
    boolean verbose;

    /**
     * The subcommands, made only when run: picocli reflects over a command's options when it is added (~0.1 s for all
     * eleven in a cold JVM), so a run adds only the one it names; usage, help and an unknown name get them all. A
     * switch, not a static map of constructor references: JDK 25's AOT cache creation crashed archiving that map.
     */
    private static final List<String> COMMANDS = List.of("help", "bench", "caps", "distill", "embed", "export-embeddings",
            "inspect", "quantize", "serve", "static-upgrade", "synth", "tokenize");

    private static Object command(String name) {
        return switch (name) {
            case "help" -> new CommandLine.HelpCommand();
            case "bench" -> new BenchCommand();
            case "caps" -> new CapsCommand();
            case "distill" -> new DistillCommand();
            case "embed" -> new EmbedCommand();
            case "export-embeddings" -> new ExportEmbeddingsCommand();
            case "inspect" -> new InspectCommand();
            case "quantize" -> new QuantizeCommand();
            case "serve" -> new ServeCommand();
            case "static-upgrade" -> new StaticUpgradeCommand();
            case "synth" -> new SynthCommand();
            case "tokenize" -> new TokenizeCommand();
            default -> throw new IllegalArgumentException(name);
        };
    }

    public static void main(String[] args) {
        StdoutErrors.install();
        int exit = run(args);
        System.exit(exit == CliErrors.FAILURE && StdoutErrors.pipeClosed() ? StdoutErrors.EXIT_PIPE_CLOSED : exit);
    }

    /**
     * Runs the CLI and returns its exit code (tests call this, not {@link #main}): 0 done, 1 failed, 2 a wrong command
     * line. Output that could not be written is a failure: {@code System.out} swallows write errors, so its error
     * flag is checked once the command is done (a full disk or a closed pipe must not exit 0 with the output lost).
     */
    public static int run(String... args) {
        Main main = new Main();
        CliErrors errors = new CliErrors(main);
        CommandLine cli = new CommandLine(main);
        String named = firstWord(args);
        NativePreload.startFor(named, args);
        if (named != null && !named.equals("help") && COMMANDS.contains(named)) cli.addSubcommand(named, command(named));
        else for (String name : COMMANDS) cli.addSubcommand(name, command(name));
        cli.setCaseInsensitiveEnumValuesAllowed(true).setExecutionExceptionHandler(errors).setParameterExceptionHandler(errors);
        int exit = cli.execute(args);
        if (System.out.checkError()) {
            if (StdoutErrors.pipeClosed()) return CliErrors.FAILURE; // the reader stopped (| head): not worth a message
            CommandLine ran = cli.getParseResult() == null ? cli : last(cli.getParseResult());
            System.err.println(ran.getCommandSpec().qualifiedName() + ": cannot write to standard output (disk full or pipe closed?)");
            return exit == 0 ? CliErrors.FAILURE : exit;
        }
        return exit;
    }

    /** The first argument that is not an option: the subcommand's name when there is one. */
    private static String firstWord(String[] args) {
        for (String a : args) if (!a.startsWith("-")) return a;
        return null;
    }

    private static CommandLine last(CommandLine.ParseResult r) {
        while (r.hasSubcommand()) r = r.subcommand();
        return r.commandSpec().commandLine();
    }

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out); // the command line it runs in: with its subcommands
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
