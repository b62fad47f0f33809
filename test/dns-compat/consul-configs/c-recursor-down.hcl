# Config (c): recursor failure behaviour. Recursors are tried in order (recursor_strategy is not
# in 1.8.7): a blackhole that never answers (timeout after recursor_timeout), a closed port
# (connection refused at once), then the working upstream dnsmasq. Used with queries-recursor.txt.
alt_domain = "alt"
recursors  = ["127.0.0.42:34655", "127.0.0.42:34656", "127.0.0.42:34654"]
dns_config {
  recursor_timeout = "1s"
}
