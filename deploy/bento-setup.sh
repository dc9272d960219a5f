#!/bin/sh
# Run once while `bentoml containerize` builds the image (bentofile.yaml: docker.setup_script): the `ordex`
# command for the operator inside the container (`ordex keys create --role admin --name ops-lead`, `ordex load`),
# run from the Bento's source, the same code the service runs, with the same ORDEX_* environment.
set -eu
bin="${ORDEX_BIN_DIR:-/usr/local/bin}"
cat > "$bin/ordex" <<'WRAPPER'
#!/bin/sh
export PYTHONPATH="${BENTO_PATH:-/home/bentoml/bento}/src${PYTHONPATH:+:$PYTHONPATH}"
exec python -m ordex.cli "$@"
WRAPPER
chmod 755 "$bin/ordex"
