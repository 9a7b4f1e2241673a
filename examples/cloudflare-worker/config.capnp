# workerd config for examples/cloudflare-worker (run from this directory, after bundling worker.ts
# to dist/worker.js; see worker.ts). nodejs_compat is off: gatehouse does not need it.
using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [
    (name = "main", worker = .gatehouseWorker),
    # The asset loader's source for /docs: swagger-ui-dist's files, read-only.
    (name = "swagger-ui", disk = (path = "../../node_modules/swagger-ui-dist", writable = false)),
  ],
  sockets = [ (name = "http", address = "127.0.0.1:8000", http = (), service = "main") ],
);

const gatehouseWorker :Workerd.Worker = (
  modules = [ (name = "worker.js", esModule = embed "dist/worker.js") ],
  compatibilityDate = "2025-09-01",
  bindings = [
    (name = "ASSETS", service = "swagger-ui"),
    (name = "SECRET_KEY", fromEnvironment = "SECRET_KEY"),
  ],
);
