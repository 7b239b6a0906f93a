#!/usr/bin/env bash
# The bgp_router role for real: its BIRD configuration rendered for both profiles and parsed by the real BIRD of
# each (bird2 from Debian; bird 1.6 unpacked from Debian's package, which conflicts with bird2), then a real BGP
# lab in network namespaces for each profile. Needs root (network namespaces), iproute2 and bird2 installed.
set -eu
cd "$(dirname "${BASH_SOURCE[0]}")"
root="$(bash ../setup_collection_root/collection_root.sh)"   # the collection root above this copy of the target
[ "$(id -u)" = 0 ] || { echo "runme: role_bgp_router needs root for network namespaces" >&2; exit 1; }
if ! /usr/sbin/bird --version 2>&1 | grep -q '^BIRD version 2'; then
  echo "runme: needs Debian's bird2 package (apt-get install bird2)" >&2; exit 1
fi
bird16="$("$root/scripts/fetch-bird16.sh")"

out="$(mktemp -d "${TMPDIR:-/tmp}/role_bgp_router.XXXXXX")"
mkdir "$out/current" "$out/course" "$out/mismatch"
trap 'rm -rf "$out"' EXIT
set -x
ansible-playbook -i localhost, -c local render.yml -e "collection_root=$root" -e "output_dir=$out" \
  -e bird2_binary=/usr/sbin/bird -e "bird16_binary=$bird16/bird" "$@"

started=$SECONDS
python3 bgp_lab.py --router-config "$out/current/bird.conf" --router-bird /usr/sbin/bird \
  --router-birdc /usr/sbin/birdc --speaker-bird "$bird16/bird" --speaker-birdc "$bird16/birdc" --timeout 90 \
  -- ansible-playbook -i localhost, -c local verify.yml -e router_birdc=/usr/sbin/birdc "$@"
python3 bgp_lab.py --router-config "$out/course/bird.conf" --router-bird "$bird16/bird" \
  --router-birdc "$bird16/birdc" --speaker-bird "$bird16/bird" --speaker-birdc "$bird16/birdc" --timeout 90 \
  -- ansible-playbook -i localhost, -c local verify.yml -e "router_birdc=$bird16/birdc" "$@"
echo "role_bgp_router: both BGP labs passed in $((SECONDS - started)) s"
