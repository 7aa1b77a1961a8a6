#!/usr/bin/env bash
# Responder latency: event accepted -> urgent email accepted by a real SMTP server (aiosmtpd), p50/p99.
# Usage: scripts/bench-responder.sh [--rate 5000] [--seconds 20] [--urgent-every 100]
set -euo pipefail
cd "$(dirname "$0")/.."
python=/usr/bin/python3; [ -x "$python" ] || python=python3
work=$(mktemp -d)
port=$($python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
$python -m aiosmtpd -n -l "127.0.0.1:$port" -c aiosmtpd.handlers.Mailbox "$work/Maildir" &
smtp=$!
trap 'kill $smtp 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1 100); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
dotnet build src/AlertPipeline -c Release --nologo -v quiet >/dev/null
dotnet src/AlertPipeline/bin/Release/net10.0/alertpipeline.dll bench-responder --smtp-port "$port" --maildir "$work/Maildir" "$@"
