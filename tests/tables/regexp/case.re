# the key is not folded; patterns ignore case unless i is given;
# results keep their case
/^User@Example\.COM$/	Exact Case Result
/^([A-Z]+)@upper\.example$/i	Upper $1
/^([a-z]+)@lower\.example$/	Lower $1
/^([[:upper:]]+)!/i		Class $1
/^ß$/			sharp s
