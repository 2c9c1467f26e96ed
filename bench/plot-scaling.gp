# The scaling curves of bench/README.md (issue 20): gnuplot -e "dir='OUT'" bench/plot-scaling.gp
# Reads OUT/fanout.dat and OUT/manager.dat (bench/scaling.sh writes them), writes OUT/scaling.png.
if (!exists("dir")) dir = '.'
set terminal pngcairo size 1200,500 font ",10" noenhanced
set output dir.'/scaling.png'
set multiplot layout 1,2
set grid
set key top left
set logscale xy
set title 'One site: fan-out wall and CPU per process'
set xlabel 'devices'
set ylabel 'seconds'
plot dir.'/fanout.dat' using 1:2 with linespoints title 'wall (campaign create -> last power_on)', \
     '' using 1:3 with linespoints title 'raw Paho fan-out (same run)', \
     '' using 1:4 with linespoints title 'raw + SHA-256 + write (same run)', \
     '' using 1:5 with linespoints title 'CPU manager', \
     '' using 1:6 with linespoints title 'CPU gateway', \
     '' using 1:7 with linespoints title 'CPU device simulators'
set title 'Manager alone: registered devices'
set xlabel 'registered devices'
plot dir.'/manager.dat' using 1:2 with linespoints title 'campaign create --all (wall)', \
     '' using 1:3 with linespoints title 'campaign create --all (manager CPU)', \
     '' using 1:4 with linespoints title 'one results page (wall)', \
     '' using 1:5 with linespoints title 'results, every page (wall)'
unset multiplot
