#!/bin/sh
# MIT licence: see LICENSE.
#
# chart.sh TSV - the PNG beside TSV (same name, .png): one bar per figure,
# mta's advantage: the ratio mta / Postfix where higher is better, its
# inverse where lower is better, so that above 1 (the line) mta is better
# and below 1 Postfix is; logarithmic scale.  Needs gnuplot.
tsv=$1; png=${1%.tsv}.png
command -v gnuplot >/dev/null || { echo "chart: gnuplot missing" >&2; exit 1; }
dat=$(mktemp) || exit 1
trap 'rm -f "$dat"' EXIT
awk -F '\t' '!/^#/ && $1 != "name" && $9 > 0 {
	a = $10 == "lower" ? 1 / $9 : $9
	n = $1; gsub(/"/, "", n)
	printf "%d \"%s\" %g\n", k++, n, a }' "$tsv" > "$dat"
[ -s "$dat" ] || { echo "chart: no figures in $tsv" >&2; exit 1; }
n=$(wc -l < "$dat")
fact() { grep "^# $1	" "$tsv" | cut -f2; }
facts="$(fact 'mta commit'), $(fact cpu), $(fact cores) cores"
facts="$facts, quick=$(fact quick)"
gnuplot <<EOG || exit 1
set terminal pngcairo size 1000,$((300 + n * 22)) font ",9" noenhanced
set output "$png"
set title "mta beside Postfix: mta's advantage\
 (above 1: mta better; below 1: Postfix better)\n$facts"
set logscale x 2
set xlabel "advantage (x times better), log scale"
set ytics scale 0
set yrange [$n:-1]
set grid xtics
set style fill solid 0.6
set key off
set arrow from 1, graph 0 to 1, graph 1 nohead lw 2 lc rgb "black"
# a box from 1 to the advantage, 0.7 high, labelled with the figure
plot "$dat" using (sqrt(\$3)):1:(\$3 >= 1 ? 1 : \$3):(\$3 >= 1 ? \$3 : 1):\
    (\$1 - 0.35):(\$1 + 0.35):ytic(2) \
    with boxxyerrorbars lc rgb "#3070b0", \
    "$dat" using (\$3):1:(sprintf(" %.2f", \$3)) with labels left
EOG
