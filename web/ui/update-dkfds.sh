#!/usr/bin/env bash
# Vendors Det Fælles Designsystem (npm package dkfds) into web/ui/static/dkfds:
# the borger.dk theme's minified CSS and exactly the files its url(...)
# references (woff2 fonts, SVG icons, logos), the icon sprite and the
# licences. Needs npm only when run, never to build or run Valghalla.
#
#   bash web/ui/update-dkfds.sh 11.2.0
#
# Then check the diff, update the version and sizes in
# web/ui/static/dkfds/README.md if they changed, and run
# go test ./web -run Static.
set -euo pipefail

version=${1:?usage: bash web/ui/update-dkfds.sh VERSION (see npm view dkfds versions)}
dest=$(cd "$(dirname "$0")" && pwd)/static/dkfds
css=css/dkfds-borgerdk.min.css

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "dkfds@$version" >/dev/null && tar xzf "dkfds-$version.tgz")
dist=$tmp/package/dist
test -f "$dist/$css" || { echo "dkfds@$version has no dist/$css" >&2; exit 1; }

rm -rf "$dest/css" "$dest/fonts" "$dest/img"
mkdir -p "$dest/css" "$dest/img"
cp "$dist/$css" "$dest/$css"

# Every local url(...) of the CSS, relative to dist/. Fonts: woff2 only (each
# @font-face also lists eot/woff/ttf, which browsers in use never need).
grep -o 'url([^)]*)' "$dist/$css" | sed -e 's/^url(//' -e 's/)$//' -e "s/[\"']//g" |
	grep -v -e '^data:' -e '^[a-z]*://' -e '^//' -e '^#' |
	grep -v -E '\.(eot|ttf|otf|woff)([?#].*)?$' | sed -e 's/[?#].*//' -e 's#^\.\./##' | sort -u |
	while read -r f; do
		mkdir -p "$dest/$(dirname "$f")"
		cp "$dist/$f" "$dest/$f"
	done

# The sprite that the components' markup uses as <svg><use href="…#name">.
cp "$dist/img/all-svg-icons.svg" "$dest/img/"
cp "$tmp/package/LICENSE.md" "$dest/LICENSE.md"
cp "$dist/fonts/IBMPlexSans/complete/woff2/license.txt" "$dest/LICENSE-IBMPlexSans-OFL.txt"
sed -i -E "s/^(Version: )[0-9][0-9.]*[^ ]*/\1$version/" "$dest/README.md"

echo "dkfds@$version: $(find "$dest" -type f | wc -l) files, $(du -sb "$dest" | cut -f1) bytes in $dest"
