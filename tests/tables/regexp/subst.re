# result substitution: $n, ${n}, $(n), $$, unmatched groups, many groups
/^dollar (.*)$/				cost $$$1 (${1}) $$
/^paren ([a-z]+)-([0-9]+)$/		$(2)-$(1)
/^alt (a)|^alt (b)$/			[$1][$2]
/^opt (x)?(y)$/				[$1][$2]
/^empty (z*)(w)$/			[$1][$2]
/^ten (a)(b)(c)(d)(e)(f)(g)(h)(i)(j)(k)$/	$11$10$9$8$7$6$5$4$3$2$1 ${1}0
/^nested ((a)(b))$/			$1/$2/$3
/^twice (.)$/				$1$1${1}$(1)
/^lead (.)$/				x$01-y
/^(user)\+([^@]*)@(.*)$/		$1@$3 (tag $2)
/^(.*)$/				fallback:$1
