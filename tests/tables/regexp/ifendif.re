# if/endif blocks, nested, negated, case-insensitive keywords
if /@example\.com$/
/^postmaster@/		local:postmaster
if !/^(admin|root)@/
/^(.*)@/		mailbox:$1
endif
/.*/			admin-only
endif
IF /^[^@]*@lists\./
	# comment inside
/^(.*)-request@/	majordomo:$1
/.*/			lists:
ENDIF
if /\.org$/
if /@a\./
/^x/			x-at-a-org
endif
if /@b\./
/^x/			x-at-b-org
endif
/^x/			x-org
endif
if!/@/
/.*/			no-domain
endif
/.*/			default
