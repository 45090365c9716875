#!/bin/sh
# install-config.sh SAMPLE TARGET: meson's install step for the configuration, run after the
# files are installed. Copies $DESTDIR$SAMPLE to $DESTDIR$TARGET only when no file is there: a reinstall (or an upgrade by hand) must
# never overwrite a config the administrator edited. The pristine sample stays installed
# beside the documentation for comparison.
set -eu
sample=$1
target=${DESTDIR:-}$2
if [ -n "${MESON_INSTALL_DRY_RUN:-}" ]; then
    echo "would install $target unless it exists"
    exit 0
fi
if [ -e "$target" ]; then
    [ -n "${MESON_INSTALL_QUIET:-}" ] ||
        echo "Keeping $target (a config is never overwritten; the sample is $sample)"
    exit 0
fi
mkdir -p "$(dirname "$target")"
cp "${DESTDIR:-}$sample" "$target"
chmod 644 "$target"
[ -n "${MESON_INSTALL_QUIET:-}" ] || echo "Installing $target"
