"""moto_server for the tests, minus costs of moto 5.x that emulate nothing.

Same server, same arguments (`-H HOST -p PORT`) as `moto_server`; it only caches pure
computations that moto repeats and drops the per-request access log (profiled with cProfile over
up/up/teardown cycles: together about half of moto's CPU per request, and moto is a large part of the
suite's CPU):

- `moto.backends.list_of_moto_modules()` lists and stats moto's ~180 package folders on every
  request, to route it (werkzeug_app.get_backend_for_host). The installed package does not
  change while the server runs.
- Every CreateUserPool imports the same bundled private JWK (cognitoidp/resources/
  jwks-private.json) and recovers its RSA primes in pure Python: about 0.25 s of CPU per pool.
  The key is a constant of moto's; each pool gets the same key either way.
- Every request lists the methods of its response class with inspect.getmembers, to find the
  action's handler; classes do not change while the server runs.
- werkzeug logs one access line per request to stderr, which nothing reads (errors still show).

Each patch is skipped when moto's internals differ (another version): the server then runs as
moto_server does. Exits 3 when moto is not importable by this interpreter (test/support/moto.ts
checks that first and then runs the moto_server command instead).
"""

import functools
import json
import logging
import sys

try:
    import moto.backends as backends
    from moto.server import main
except ImportError:
    sys.exit(3)


def cache_module_list() -> None:
    original = getattr(backends, "list_of_moto_modules", None)
    if original is None:
        return
    modules = tuple(original())
    backends.list_of_moto_modules = lambda: modules
    try:
        import moto.moto_server.werkzeug_app as werkzeug_app

        # werkzeug_app calls it through the module, but an import of the function itself would
        # keep the original: patch that name too where it exists.
        if getattr(werkzeug_app, "list_of_moto_modules", None) is original:
            werkzeug_app.list_of_moto_modules = backends.list_of_moto_modules
    except ImportError:
        pass


def cache_pool_key() -> None:
    try:
        import moto.cognitoidp.models as cognito
    except ImportError:
        return
    rsa_key = getattr(getattr(cognito, "jwk", None), "RSAKey", None)
    original = getattr(rsa_key, "import_key", None)
    if original is None:
        return
    cached = functools.lru_cache(maxsize=4)(lambda text: original(json.loads(text)))

    def import_key(value, *args, **kwargs):
        # Only a JWK given as a dict (the bundled file, parsed) is cached; the rest goes through.
        if isinstance(value, dict) and not args and not kwargs:
            return cached(json.dumps(value, sort_keys=True))
        return original(value, *args, **kwargs)

    rsa_key.import_key = staticmethod(import_key)


def cache_method_names() -> None:
    try:
        import moto.core.responses as responses
    except ImportError:
        return
    original = getattr(responses, "method_names_from_class", None)
    if original is None:
        return
    cached = functools.lru_cache(maxsize=None)(lambda clazz: tuple(original(clazz)))
    responses.method_names_from_class = lambda clazz: list(cached(clazz))


cache_module_list()
cache_pool_key()
cache_method_names()
logging.getLogger("werkzeug").setLevel(logging.WARNING)
main(sys.argv[1:])
