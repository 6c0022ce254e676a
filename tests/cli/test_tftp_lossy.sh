#!/bin/sh
# tftpd through a lossy link, the short run for make check: 20 files each
# for tftp-hpa, curl and tests/tools/tftpget through 20% loss, 5%
# duplication and 5% reordering (tests/soak/tftp_lossy.sh; make soak runs
# it with 100 files each, of which 99 must complete). None may arrive
# corrupted; here 19 of 20 must complete. The completion rates are printed.
LOSSY_FILES=${LOSSY_FILES:-20} LOSSY_MIN=${LOSSY_MIN:-19} LOSSY_SECONDS=${LOSSY_SECONDS:-90} \
	exec sh "$(dirname "$0")/../soak/tftp_lossy.sh"
