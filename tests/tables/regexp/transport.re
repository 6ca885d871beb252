# transport_maps by regexp: recipient address -> transport:nexthop
/^postmaster@/				local:
/^([^@]+)@lists\.example\.com$/		lists:[lists-gw.example.com]:2525
/@(.+)\.internal$/			relay:[$1.gw.internal]
/@([^.]+)\.branch\.example\.com$/	smtp:[mx.$1.example.net]
/\.local$/				local:
/^[^@]*$/				local:
/@example\.com$/			smtp:[mail.example.com]
/^.+@(.+)$/				smtp:[smarthost.example.net]:587
