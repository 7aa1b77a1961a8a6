# Tab completion for alertpipeline in bash: commands, subcommands, options and the values of choice options
# (e.g. --format <TAB> offers table and json). It asks the program itself through System.CommandLine's
# [suggest] directive, so it never falls out of date. Load it from ~/.bashrc:
#   source /path/to/AlertPipeline/scripts/alertpipeline-completion.bash
_alertpipeline_complete() {
  local IFS=$'\n'
  # shellcheck disable=SC2207 # one candidate a line, split on newlines only (IFS above)
  COMPREPLY=($(alertpipeline "[suggest:${COMP_POINT}]" "${COMP_LINE}" 2>/dev/null))
}
complete -o default -F _alertpipeline_complete alertpipeline
