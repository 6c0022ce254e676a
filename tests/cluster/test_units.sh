# The database suites against PostgreSQL: the same tests `make check` runs
# against trustline.db, given a database of their own.
set -eu
. "$(dirname "$0")/pg.sh"
pg_start
for t in test_db test_store test_cnf test_capfsession test_truststate; do
	TRUSTLINE_TEST_PG_URL=$PGURL "$BUILD_DIR/tests/$t" > "$t.log" 2>&1 ||
		{ cat "$t.log"; pg_fail "$t against PostgreSQL"; }
	tail -1 "$t.log"
done
echo "all passed"
