#!/usr/bin/env python3
"""run.py — run every tests/e2e/test_*.py and print 'e2e: N passed, N failed'."""
import os
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)


def main():
    """With HOLDPOINT_TEST_POSTGRES=1, every test server stores in a PostgreSQL cluster of the run's own."""
    if os.environ.get("HOLDPOINT_TEST_POSTGRES") == "1" and not os.environ.get("HOLDPOINT_TEST_POSTGRES_URL"):
        import pg
        import signal
        def interrupted(*_):
            raise KeyboardInterrupt                # unittest lets this one through: the cluster is stopped
        signal.signal(signal.SIGTERM, interrupted)
        cluster = pg.Cluster()
        try:
            cluster.start()
            os.environ["HOLDPOINT_TEST_POSTGRES_URL"] = cluster.url("")
            print("e2e: PostgreSQL on port %d" % cluster.port)
            return run()
        finally:
            cluster.stop()
    return run()


def run():
    pattern = sys.argv[1] if len(sys.argv) > 1 else "test_*.py"
    suite = unittest.defaultTestLoader.discover(HERE, pattern=pattern, top_level_dir=HERE)
    result = unittest.TextTestRunner(verbosity=2, stream=sys.stdout).run(suite)
    failed = len(result.failures) + len(result.errors)
    passed = result.testsRun - failed - len(result.skipped)
    print("e2e: %d passed, %d failed" % (passed, failed) + (", %d skipped" % len(result.skipped) if result.skipped else ""))
    if result.testsRun == 0:
        print("e2e: no tests ran")
        return 1
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
