#!/bin/sh
# build.sh — `make deb`: the holdpoint Debian package from a built tree, with dpkg-deb.
#   BUILD (default build/) holds holdpoint and holdctl; the package lands in $BUILD/deb/.
# Layout: /usr/bin/{holdpoint,holdctl}; /usr/share/holdpoint/{templates,static,sql,docs/examples,nginx};
# /etc/holdpoint/holdpoint.conf and /etc/holdpoint/nginx/{site,fastcgi}.conf (conffiles);
# /etc/nginx/sites-available/holdpoint; /lib/systemd/system/holdpoint.service; data in /var/lib/holdpoint.
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-build}
case "$BUILD" in /*) ;; *) BUILD="$ROOT/$BUILD" ;; esac
OUT=$BUILD/deb
VERSION=${VERSION:-0.2.$(git -C "$ROOT" rev-list --count HEAD 2>/dev/null || echo 0)}
ARCH=$(dpkg --print-architecture)
PKG=$OUT/holdpoint_${VERSION}_$ARCH
DEB=$PKG.deb
[ -x "$BUILD/holdpoint" ] && [ -x "$BUILD/holdctl" ] || { echo "build.sh: build first (make)" >&2; exit 1; }
rm -rf "$PKG" "$DEB"
mkdir -p "$PKG/DEBIAN" "$PKG/usr/bin" "$PKG/usr/share/holdpoint/docs" "$PKG/usr/share/doc/holdpoint" \
         "$PKG/etc/holdpoint/nginx" "$PKG/etc/nginx/sites-available" "$PKG/lib/systemd/system"
install -m 0755 "$BUILD/holdpoint" "$BUILD/holdctl" "$PKG/usr/bin/"
cp -r "$ROOT/templates" "$ROOT/static" "$ROOT/sql" "$PKG/usr/share/holdpoint/"
cp -r "$ROOT/docs/examples" "$PKG/usr/share/holdpoint/docs/"
cp "$ROOT/README.md" "$PKG/usr/share/doc/holdpoint/"
cp -r "$ROOT/docs/monitoring" "$PKG/usr/share/doc/holdpoint/"
install -m 0644 "$ROOT/docs/deb/holdpoint.service" "$PKG/lib/systemd/system/"
install -m 0640 "$ROOT/docs/deb/holdpoint.conf" "$PKG/etc/holdpoint/"

# nginx: the repository's site with a package's values filled in (plain HTTP on port 80;
# for HTTPS put it behind your TLS, or start from nginx/holdpoint-tls.conf.in).
fill() {
  sed -e "s|@ROOT@|/usr/share/holdpoint|g" -e "s|@DATA@|/var/lib/holdpoint|g" -e "s|@CONF@|/etc/holdpoint/nginx|g" \
      -e "s|@SOCKET@|/var/lib/holdpoint/run/holdpoint.sock|g" -e "s|@UPSTREAM@|unix:/var/lib/holdpoint/run/holdpoint.sock|g" -e "s|@LISTEN@|80|g" -e "s|@MAX_BODY@|256m|g" \
      -e "s|@HOLDCTL@|/usr/bin/holdctl|g" \
      -e "s|@SCHEME_HEADERS@||g" -e "s|@TLS_PORT_SUFFIX@||g" \
      -e "s|@FASTCGI_PARAMS@|/etc/nginx/fastcgi_params|g" -e "s|@MIME_TYPES@|/etc/nginx/mime.types|g" "$1" > "$2"
}
fill "$ROOT/nginx/site.conf.in" "$PKG/etc/holdpoint/nginx/site.conf"
fill "$ROOT/nginx/fastcgi.conf.in" "$PKG/etc/holdpoint/nginx/fastcgi.conf"
fill "$ROOT/nginx/holdpoint.conf.in" "$PKG/etc/nginx/sites-available/holdpoint"
mkdir -p "$PKG/usr/share/holdpoint/nginx"
cp "$ROOT"/nginx/*.conf.in "$PKG/usr/share/holdpoint/nginx/"
if grep -q '@[A-Z_]*@' "$PKG/etc/holdpoint/nginx/"*.conf "$PKG/etc/nginx/sites-available/holdpoint"; then
  echo "build.sh: a @...@ value is left in the nginx files" >&2; exit 1
fi

# Depends: the packages of the shared libraries the programs load, then what they run with.
libpkg() {   # a library path -> its package (usrmerge: it may be registered with or without /usr)
  p=$(readlink -f "$1")
  for q in "$1" "$p" "${1#/usr}" "/usr$1" "${p#/usr}" "/usr$p"; do
    o=$(dpkg -S "$q" 2>/dev/null | head -n 1 | cut -d: -f1)
    [ -n "$o" ] && { echo "$o"; return 0; }
  done
  echo "build.sh: no package owns $1" >&2; return 1
}
DEPS=$(for b in "$BUILD/holdpoint" "$BUILD/holdctl"; do
  ldd "$b" | awk '$3 ~ /^\// {print $3} $1 ~ /^\// {print $1}'
done | sort -u | while read -r lib; do libpkg "$lib"; done | sort -u | tr '\n' ',' | sed 's/,$//; s/,/, /g')
cat > "$PKG/DEBIAN/control" <<CONTROL
Package: holdpoint
Version: $VERSION
Architecture: $ARCH
Maintainer: Holdpoint <holdpoint@localhost>
Section: web
Priority: optional
Depends: $DEPS, nginx-light | nginx, tzdata, passwd
Installed-Size: $(du -sk "$PKG" | cut -f1)
Homepage: https://holdpoint.invalid/
Description: approvals, sign-offs and the evidence behind them, for software releases
 Holdpoint stops a release at its human steps (approvals, manual verifications, sign-offs),
 asks the right people, records who decided what, when and from where, keeps the evidence
 files, and proves it with a tamper-evident audit trail. A FastCGI server behind nginx, with
 SQLite; holdctl gates pipelines on it.
CONTROL
printf '/etc/holdpoint/holdpoint.conf\n/etc/holdpoint/nginx/site.conf\n/etc/holdpoint/nginx/fastcgi.conf\n/etc/nginx/sites-available/holdpoint\n' \
  > "$PKG/DEBIAN/conffiles"
install -m 0755 "$ROOT/docs/deb/postinst" "$ROOT/docs/deb/prerm" "$ROOT/docs/deb/postrm" "$PKG/DEBIAN/"
dpkg-deb --root-owner-group -Zxz --build "$PKG" "$DEB" >/dev/null
echo "$DEB"
