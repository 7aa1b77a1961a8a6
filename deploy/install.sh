#!/usr/bin/env bash
# Installs or upgrades AlertPipeline from the release bundle this script sits in (built by deploy/package.sh).
# Usage (as root): ./install.sh [--root DIR] [--no-systemd] [--no-user]
#   --root DIR    install under DIR instead of / (a staging root: the upgrade test installs there)
#   --no-systemd  do not install, enable, stop or start the systemd unit
#   --no-user     do not create the service account or change owners (staging as a user other than root)
#
# Layout (see deploy/PRODUCTION.md):
#   /opt/alertpipeline/releases/VERSION/   the program, replaced on upgrade; the last three are kept for rollback
#   /opt/alertpipeline/current             -> releases/VERSION (switched atomically once the new version has migrated)
#   /usr/local/bin/alertpipeline           -> /opt/alertpipeline/current/alertpipeline
#   /etc/alertpipeline/appsettings.json    the school's configuration: created from the template once, never overwritten
#   /etc/alertpipeline/alertpipeline.env   secrets as environment variables (e.g. Notifications__Smtp__Password), optional
#   /var/lib/alertpipeline/                data: SQLite stores, keys/, screenshots, outbox, logs, keyword lists, roster
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root="" systemd=1 user=1
while [ $# -gt 0 ]; do
  case "$1" in
    --root) root=${2:?--root needs a directory}; shift 2 ;;
    --no-systemd) systemd=0; shift ;;
    --no-user) user=0; shift ;;
    *) echo "error: unknown option '$1' (known: --root DIR, --no-systemd, --no-user)" >&2; exit 2 ;;
  esac
done
if [ -n "$root" ]; then
  mkdir -p "$root"
  root=$(cd "$root" && pwd)
fi
[ -x "$here/app/alertpipeline" ] && [ -f "$here/VERSION" ] \
  || { echo "error: $here is not a release bundle (no app/alertpipeline or VERSION): build one with deploy/package.sh" >&2; exit 2; }
version=$(cat "$here/VERSION")
service_user=alertpipeline
opt="$root/opt/alertpipeline"
etc="$root/etc/alertpipeline"
var="$root/var/lib/alertpipeline"
bin="$root/usr/local/bin"
config="$etc/appsettings.json"
export ALERTPIPELINE_CONFIG="$config"

as_service() {
  if [ "$user" -eq 1 ]; then runuser -u "$service_user" -- env ALERTPIPELINE_CONFIG="$config" "$@"; else "$@"; fi
}

echo "==> installing alertpipeline $version under ${root:-/}"
if [ "$user" -eq 1 ] && ! getent passwd "$service_user" >/dev/null; then
  useradd --system --user-group --home-dir /var/lib/alertpipeline --no-create-home --shell /usr/sbin/nologin "$service_user"
  echo "    created the system account '$service_user'"
fi

# Configuration: created once from the template, never overwritten, so an upgrade keeps the school's settings.
install -d -m 750 "$etc"
if [ ! -f "$config" ]; then
  sed "s#/var/lib/alertpipeline#$var#g" "$here/appsettings.site.json" > "$config"
  chmod 640 "$config"
  fresh_config=1
  echo "    wrote $config from the template: edit it (schools, DSLs, SMTP), then check it with 'alertpipeline config check --config $config'"
else
  fresh_config=0
  echo "    kept $config"
fi

# Data: the keyword lists and the roster start from the shipped seeds once; afterwards they are the school's own.
install -d -m 750 "$var" "$var/roster"
if [ ! -d "$var/keywords" ]; then
  cp -r "$here/app/seeds/keywords" "$var/keywords"
  echo "    copied the shipped keyword lists to $var/keywords"
elif ! diff -rq "$here/app/seeds/keywords" "$var/keywords" >/dev/null 2>&1; then
  echo "    kept your keyword lists in $var/keywords; this release ships lists that differ: compare with"
  echo "      diff -ru $var/keywords $opt/releases/$version/seeds/keywords"
fi
if [ ! -f "$var/roster/pupils.csv" ]; then
  printf '# Pupils: replace with your MIS export. Columns: login,school,display_name,year_group\nlogin,school,display_name,year_group\n' > "$var/roster/pupils.csv"
fi
if [ "$user" -eq 1 ]; then
  chown root:"$service_user" "$etc" "$config"
  chown -R "$service_user":"$service_user" "$var"
fi

# The program: a new release folder, migrated and checked before anything points at it.
install -d -m 755 "$opt/releases"
staged="$opt/releases/.$version.staging"
rm -rf "$staged"
cp -r "$here/app" "$staged"

was_active=0
if [ "$systemd" -eq 1 ] && systemctl is-active --quiet alertpipeline 2>/dev/null; then
  was_active=1
  echo "    stopping the running service for the upgrade"
  systemctl stop alertpipeline
fi

echo "==> migrating the data in $var with $version"
if ! (cd "$var" && as_service "$staged/alertpipeline" migrate); then
  rm -rf "$staged"
  echo "error: alertpipeline $version refused the configuration or the data (above); nothing was switched" >&2
  if [ "$was_active" -eq 1 ]; then systemctl start alertpipeline; echo "    restarted the previous version" >&2; fi
  exit 1
fi

rm -rf "$opt/releases/$version"
mv "$staged" "$opt/releases/$version"
ln -sfn "releases/$version" "$opt/current.new"
mv -T "$opt/current.new" "$opt/current"
install -d -m 755 "$bin"
ln -sfn "$opt/current/alertpipeline" "$bin/alertpipeline"
# Keep the three newest releases: enough to roll back (point current at the previous one), without growing forever.
ls -1t "$opt/releases" | grep -v '^\.' | tail -n +4 | while read -r old; do rm -rf "${opt:?}/releases/$old"; done

if [ "$systemd" -eq 1 ]; then
  install -m 644 "$here/alertpipeline.service" "$root/etc/systemd/system/alertpipeline.service"
  systemctl daemon-reload
  systemctl enable --quiet alertpipeline
  if [ "$fresh_config" -eq 1 ]; then
    echo "==> installed. Edit $config, then: systemctl start alertpipeline"
  else
    systemctl start alertpipeline
    echo "==> alertpipeline $version is running (systemctl status alertpipeline)"
  fi
else
  echo "==> installed alertpipeline $version ($bin/alertpipeline); the systemd unit was not touched"
fi
