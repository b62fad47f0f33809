# Config (b): tuned dns_config and a recursor (the upstream dnsmasq from upstream/start-upstreams.sh).
alt_domain = "alt"
recursors  = ["127.0.0.42:34654"]
dns_config {
  enable_truncate  = true
  udp_answer_limit = 5
  only_passing     = true
  node_ttl         = "10s"
  service_ttl      = { "*" = "5s", "web" = "30s" }
  allow_stale      = true
  recursor_timeout = "1s"
}
