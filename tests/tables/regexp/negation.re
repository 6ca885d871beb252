# negated patterns: match when the pattern does not
!/^[^@]+@[^@]+$/	REJECT malformed address
!/\.(com|net|org)$/	REJECT unsupported TLD $$
!!/^vip/		OK double negation keeps $$ and groups
!/^/			never
/.*/			DUNNO
