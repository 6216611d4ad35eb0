# token backends
