#!/bin/sh
# The tutorial's story with real packets: make lab-demo (needs root, ip and nft).
set -eu
PODWALL=${PODWALL:-podwall}
HERE=$(dirname "$0")
BASE="-f $HERE/../tutorial/namespaces.yaml -f $HERE/../tutorial/workloads.yaml"
STORY=$HERE/tutorial-story
FLOWS="--by workload --from production/deploy/frontend --to kube-system/deploy/coredns --to production/deploy/backend --probe 53/UDP --probe 53/TCP --probe 8080/TCP -o list"

step() {
    echo
    echo "== $1"
    shift
    # shellcheck disable=SC2086
    $PODWALL lab run $BASE "$@" $FLOWS
}

step "1. default-deny-all: DNS lookups from the frontend fail" \
    -f "$STORY/1-default-deny-all.yaml"
step "2. + allow-dns: DNS lookups work (UDP and TCP)" \
    -f "$STORY/1-default-deny-all.yaml" -f "$STORY/2-allow-dns.yaml"
step "3. + allow-frontend-to-backend (the ingress half only): frontend -> backend 8080 still fails" \
    -f "$STORY/1-default-deny-all.yaml" -f "$STORY/2-allow-dns.yaml" -f "$STORY/3-allow-frontend-to-backend.yaml"
step "4. + frontend-egress-to-backend (the egress half): frontend -> backend 8080 works" \
    -f "$STORY/1-default-deny-all.yaml" -f "$STORY/2-allow-dns.yaml" -f "$STORY/3-allow-frontend-to-backend.yaml" \
    -f "$STORY/4-frontend-egress-to-backend.yaml"
step "5. the tutorial's own policies, next to what the app intends (tutorial-intents.yaml): frontend -> backend 8080 is intended, not allowed" \
    -f "$HERE/../tutorial/policies.yaml" --intents "$HERE/tutorial-intents.yaml"
