# runner.mk: the test runner (lua/rump/runner.lua, bin/rumpus-test).  Its JUnit XML is checked
# against test/fixtures/runner/junit.xsd with xmllint (test/lua/runner_test.lua).
DEPS_PKGS += libxml2-utils
