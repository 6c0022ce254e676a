# Fault injection with strace for the command-line tests that make a
# command's system calls fail (sourced after common.sh, by
# test_*_atomic.sh and test_cascade_crash.sh). A test counts the calls of
# an undisturbed run (fault_count), then fault_loop calls its own check at
# points spread over those calls; the check runs the command again with
# one call made to fail (faulted) and looks at what was left.

# faults_available: whether strace can trace here; when not, the test's
# figure line says the fault points were skipped (the test then exits 0)
faults_available() {
	strace -f -o /dev/null true 2>/dev/null && return 0
	echo "figure: skipped the fault points: strace cannot trace processes here"
	return 1
}

# strace: LeakSanitizer cannot run under ptrace and fails the traced
# command (SANITIZE=1 builds); the other sanitizers keep watching it
traced() { ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" strace "$@"; }

# fault_count CALLS CMD...: CMD run undisturbed, the calls of CALLS (a
# strace -e trace= list) counted into counts.txt. strace runs programs,
# not shell functions: an environment for CMD goes through env.
fault_count() {
	_fc_calls=$1; shift
	traced -f -c -o counts.txt -e trace="$_fc_calls" "$@" > /dev/null 2>&1 ||
		fail "undisturbed run: $*"
}

# faulted SPEC CMD...: CMD with strace's inject=SPEC (CALL:error=EIO:when=I,
# and :signal=SIGKILL to kill it there); its exit status in fault_rc, its
# standard error in fault.txt
faulted() {
	_fd_spec=$1; shift
	set +e
	traced -f -o /dev/null -e inject="$_fd_spec" "$@" > /dev/null 2> fault.txt
	fault_rc=$?
	set -e
}

# fault_loop PER CHECK CALL...: for each CALL, CHECK CALL I for I among the
# CALL's calls counted in counts.txt: PER points spread over them, the
# first and the last included, or every one when PER is 0. The points run
# are counted in fault_points.
fault_loop() {
	_fl_per=$1 _fl_check=$2; shift 2
	fault_points=0
	for _fl_call in "$@"; do
		_fl_n=$(awk -v c="$_fl_call" '$NF == c { print $4 }' counts.txt)
		[ -n "$_fl_n" ] || _fl_n=0
		_fl_step=1
		[ "$_fl_per" -eq 0 ] || _fl_step=$(( (_fl_n + _fl_per - 1) / _fl_per ))
		[ "$_fl_step" -ge 1 ] || _fl_step=1
		_fl_i=1
		while [ "$_fl_i" -le "$_fl_n" ]; do
			"$_fl_check" "$_fl_call" "$_fl_i"
			fault_points=$((fault_points + 1))
			if [ "$_fl_i" -lt "$_fl_n" ] && [ $((_fl_i + _fl_step)) -gt "$_fl_n" ]; then
				_fl_i=$_fl_n
			else
				_fl_i=$((_fl_i + _fl_step))
			fi
		done
	done
}
