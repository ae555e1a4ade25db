
set terminal pngcairo size 960,540 font "sans,11"
set output "/work/main/bench/qps_per_cpu.png"
set title "Answers per second of server CPU time (standard set, 165536 records; median, bars min-max of 3 rounds)"
set ylabel "answers per server CPU-second"
set style data histogram
set style histogram errorbars gap 2 lw 1
set style fill solid 0.7 border -1
set grid ytics
set yrange [0:*]
set format y "%.0f"
set key top left
plot "/work/main/bench/qps_per_cpu.dat" using 2:3:4:xtic(1) title "bench/loadgen (sendmmsg)", "/work/main/bench/qps_per_cpu.dat" using 5:6:7 title "dnsperf"
