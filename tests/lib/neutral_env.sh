# tests/lib/neutral_env.sh - a fixed, neutral environment for the tests
# that run real programs several ways (plainly, under the library, under
# memcheck) and compare them: the runs of a command may differ only by the
# tool they run under, and nothing from the caller's setup (locale, git
# config, rc files, hash seeds, a stray preload, an outer make's flags) may
# make one run differ from another.  Source it after tests/lib/tap.sh ($T).
export LC_ALL=C TZ=UTC HOME="$T" XDG_CONFIG_HOME="$T/.config" TMPDIR="$T/tmp"
export PYTHONHASHSEED=0 PYTHONDONTWRITEBYTECODE=1 PYTHONNOUSERSITE=1
export PERL_HASH_SEED=0 PERL_PERTURB_KEYS=0
export GIT_CONFIG_NOSYSTEM=1 GIT_PAGER=cat PAGER=cat
export GIT_AUTHOR_DATE='2001-02-03T04:05:06Z' GIT_COMMITTER_DATE='2001-02-03T04:05:06Z'
unset PYTHONPATH PYTHONSTARTUP PYTHONMALLOC PERL5LIB PERL5OPT GIT_DIR GIT_WORK_TREE \
	GIT_INDEX_FILE GIT_OBJECT_DIRECTORY GIT_CONFIG_PARAMETERS TETHER_VERBOSE
# A stray preload from the caller would trace the "plain" runs too.
unset LD_PRELOAD
# Run from make check-real, the outer make's flags (-w, the jobserver)
# would reach the programs' own makes, which then print their directories.
unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES
