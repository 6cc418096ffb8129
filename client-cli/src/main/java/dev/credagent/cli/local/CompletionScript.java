package dev.credagent.cli.local;

import dev.credagent.cli.Completion;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;
import picocli.CommandLine;

/**
 * The bash completion script (zsh runs it through bashcompinit), generated from the command tree
 * so that it knows every command and option the help shows. Hand-written rather than picocli's
 * {@code AutoComplete}: that one falls back to file names for every parameter it has no fixed
 * words for ({@code credagent get <Tab>} offered the directory), and it cannot ask anyone for the
 * names that are only known at completion time. Here a parameter completes to what its
 * {@link Completion} kind says: stored servers, erased ones, sources, shares, profiles (asked of a
 * running daemon through the native credagent, which then never starts a JVM nor a daemon), file
 * names, or nothing.
 *
 * <p>Nothing a daemon answers is evaluated by the shell: names are compared with the word typed
 * as literal strings ({@code [[ $name == "$cur"* ]]}), never passed through {@code compgen -W},
 * which expands what it is given.
 */
final class CompletionScript {
  private CompletionScript() {}

  static String bash(CommandLine root) {
    StringBuilder specs = new StringBuilder();
    StringBuilder kinds = new StringBuilder();
    walk(root, "", specs, kinds);
    return HEADER
        + "_credagent_spec() {\n  case $1 in\n" + specs
        + "    *) subs=(); flags=(); argopts=() ;;\n  esac\n}\n\n"
        + "_credagent_kind() {\n  case $1 in\n" + kinds + "    *) kind='' ;;\n  esac\n}\n\n"
        + BODY;
  }

  private static void walk(CommandLine command, String path, StringBuilder specs, StringBuilder kinds) {
    CommandSpec spec = command.getCommandSpec();
    List<String> subs = new ArrayList<>();
    List<String> flags = new ArrayList<>();
    List<String> argopts = new ArrayList<>();
    command.getSubcommands().forEach((name, sub) -> {
      if (!sub.getCommandSpec().usageMessage().hidden() && !subs.contains(name)) {
        subs.add(name);
      }
    });
    for (OptionSpec option : spec.options()) {
      if (option.hidden()) {
        continue;
      }
      boolean takesValue = option.arity().max() > 0;
      (takesValue ? argopts : flags).addAll(List.of(option.names()));
      String kind = Completion.kindOf(option);
      if (kind != null && takesValue) {
        for (String name : option.names()) {
          kinds.append("    ").append(quote(path + "|" + name)).append(") kind=").append(kind).append(" ;;\n");
        }
      }
    }
    for (PositionalParamSpec positional : spec.positionalParameters()) {
      String kind = Completion.kindOf(positional);
      if (kind != null && !positional.hidden()) {
        kinds.append("    ").append(quote(path + "|#" + positional.index().min())).append(") kind=").append(kind).append(" ;;\n");
      }
    }
    specs.append("    ").append(quote(path)).append(") subs=(").append(words(subs))
        .append("); flags=(").append(words(flags))
        .append("); argopts=(").append(words(argopts)).append(") ;;\n");
    command.getSubcommands().forEach((name, sub) -> {
      if (!sub.getCommandSpec().usageMessage().hidden() && sub.getCommandName().equals(name)) {
        walk(sub, path.isEmpty() ? name : path + " " + name, specs, kinds);
      }
    });
  }

  private static String words(List<String> words) {
    return String.join(" ", words.stream().map(CompletionScript::quote).toList());
  }

  /** A single-quoted shell word; our names and options hold no quote, and are checked not to. */
  private static String quote(String word) {
    if (word.contains("'")) {
      throw new IllegalArgumentException("a quote in a command or option name: " + word);
    }
    return "'" + word + "'";
  }

  private static final String HEADER = """
      # credagent completion for bash, and zsh through bashcompinit. Generated from the command tree
      # (dev.credagent.cli.local.CompletionScript): edit that, not this. Sourced, never run.
      #
      # The names of stored servers, erased ones, sources and shares come from a running daemon,
      # through the native credagent with CREDAGENT_RELAY_ONLY=1: it never starts a JVM nor a
      # daemon, and a locked vault or no daemon completes nothing. Names only, never a secret.

      """;

  private static final String BODY = """
      # Adds the names of kind $1 that start with $2 to COMPREPLY; $3 is the credagent typed.
      _credagent_names() {
        local name bin
        case $1 in
          '') return 0 ;;
          files)
            local IFS=$'\\n'
            COMPREPLY+=($(compgen -f -- "$2"))
            return 0 ;;
        esac
        bin=$(command -v -- "$3" 2>/dev/null) || return 0
        # Only the native front end of an installed credagent (PREFIX/bin beside
        # PREFIX/lib/credagent): any other program of that name might start a JVM.
        [[ $bin == */* && -x ${bin%/*}/../lib/credagent/credagent-jvm ]] || return 0
        while IFS= read -r name; do
          [[ -n $name && $name == "$2"* ]] || continue
          # Inserted into the command line as typed words: a name with anything but these
          # (a '*' pattern, or a hostile '$(...)') is quoted, never run nor globbed at Enter.
          [[ $name == *[!A-Za-z0-9._:/@-]* ]] && printf -v name '%q' "$name"
          COMPREPLY+=("$name")
        done < <(CREDAGENT_RELAY_ONLY=1 "$bin" __complete "$1" </dev/null 2>/dev/null)
        return 0
      }

      # Named apart from _credagent: zsh autoloads vendor-completions/_credagent under that name.
      _credagent_complete() {
        # (No variable named path: zsh ties it to PATH.)
        # The words before the cursor, split on blanks only (COMP_WORDS splits host:port at
        # the ':'), one character at a time: no word splitting or globbing of what was typed,
        # and the same in bash and in zsh's bashcompinit.
        local line=${COMP_LINE:0:$COMP_POINT}
        local cur=${line##*[[:space:]]}
        local before=${line%"$cur"} word='' char prog='' i
        local -a words=()
        for ((i = 0; i < ${#before}; i++)); do
          char=${before:$i:1}
          if [[ $char == [[:space:]] ]]; then
            [[ -n $word ]] && words+=("$word")
            word=''
          else
            word+=$char
          fi
        done
        local command='' kind expecting='' positional=0
        local -a subs flags argopts
        _credagent_spec ''
        for word in "${words[@]}"; do
          if [[ -z $prog ]]; then
            prog=$word
          elif [[ -n $expecting ]]; then
            expecting=''
          elif [[ $word == -* ]]; then
            [[ $word != *=* && " ${argopts[*]} " == *" $word "* ]] && expecting=$word
          elif [[ " ${subs[*]} " == *" $word "* ]]; then
            command=${command:+$command }$word
            positional=0
            _credagent_spec "$command"
          else
            positional=$((positional + 1))
          fi
        done
        COMPREPLY=()
        if [[ -n $expecting ]]; then
          _credagent_kind "$command|$expecting"
          _credagent_names "$kind" "$cur" "$prog"
        elif [[ $cur == -* ]]; then
          for word in "${flags[@]}" "${argopts[@]}"; do
            [[ $word == "$cur"* ]] && COMPREPLY+=("$word")
          done
        else
          for word in "${subs[@]}"; do
            [[ $word == "$cur"* ]] && COMPREPLY+=("$word")
          done
          _credagent_kind "$command|#$positional"
          _credagent_names "$kind" "$cur" "$prog"
        fi
        # Readline replaces only what follows the last ':' of the word (COMP_WORDBREAKS): a
        # server with a port (host:5000) is offered without what is already typed before it.
        if [[ $cur == *:* && ${COMP_WORDBREAKS-} == *:* ]]; then
          local typed=${cur%"${cur##*:}"}
          COMPREPLY=("${COMPREPLY[@]#"$typed"}")
        fi
        return 0
      }

      complete -F _credagent_complete credagent
      """;
}
