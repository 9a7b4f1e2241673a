# workerd config for the smoke Worker. The test copies this file beside the esbuild bundle
# (worker.js) and starts `workerd serve workerd.capnp --control-fd=3`, which reports the port
# it bound. No compatibilityFlags: nodejs_compat is OFF, the library must not need it.
using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [ (name = "main", worker = .smokeWorker) ],
  sockets = [ (name = "http", address = "127.0.0.1:0", http = (), service = "main") ],
);

const smokeWorker :Workerd.Worker = (
  modules = [ (name = "worker.js", esModule = embed "worker.js") ],
  compatibilityDate = "2025-09-01",
);
