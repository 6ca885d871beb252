# flags toggle the defaults: i (ignore case, on), x (extended, on),
# m (newline-sensitive, off)
/^Exact$/i		case-sensitive match
/^exact2$/ii		insensitive again (two toggles)
/^a+b$/x		basic syntax: + is a literal
/^c\{2\}d$/x		basic syntax: \{2\} counts
/^(e)f$/x		basic syntax: ( is a literal
/^g\(h\)$/x		basic syntax group [$1]
/^MiXeD$/xi		basic and case-sensitive
/^one$/m		multi-line mode
/^two.three$/		dot matches any byte
