# delimiters other than /, escaped delimiters, continuation lines,
# white space in and after results, comments
,^comma,		comma delimiter
|^pipe\|bar|		pipe delimiter with escaped pipe
/^path\/to$/		escaped slash
%^perc%			percent
"^quote"		quote delimiter
/^long/
	continued result
	over lines
/^spaces$/	several   spaces   inside   
/^tab$/	tab	separated
/^brace[{]$/	brace
#/^commented$/	never
  # indented comment
/^multi
  line$/	pattern spans lines
