/* cli/run_plot.c — `cdvm run --timeline-plot FILE.png`: IPC, ways enabled
 * per cache and power over simulated time, drawn by gnuplot from the
 * --timeline CSV (cms/reconfig.c writes it; its columns are named in its
 * header, and the script reads them by name).  The script is kept beside
 * the picture (FILE.png.gp) so it can be redrawn or changed by hand. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/sweep.h"

int run_timeline_plot(const char *csv, const char *png, char *err, size_t errlen)
{
	const char *why = sweep_plot_unavailable();
	if (why) {
		snprintf(err, errlen, "--timeline-plot: %s", why);
		return -1;
	}
	char *abs_csv = realpath(csv, NULL), *abs_png = NULL, dir[4096];
	const char *slash = strrchr(png, '/');
	snprintf(dir, sizeof dir, "%.*s", slash ? (int)(slash - png) : 1, slash ? png : ".");
	if (slash == png)
		snprintf(dir, sizeof dir, "/");
	char *abs_dir = realpath(dir, NULL);
	if (!abs_csv || !abs_dir) {
		snprintf(err, errlen, "--timeline-plot: cannot resolve %s", abs_csv ? dir : csv);
		free(abs_csv);
		free(abs_dir);
		return -1;
	}
	const char *base = slash ? slash + 1 : png;
	size_t need = strlen(abs_dir) + strlen(base) + 8;
	abs_png = malloc(need);
	char *script = malloc(need);
	int rc = -1;
	if (!abs_png || !script) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	snprintf(abs_png, need, "%s/%s", abs_dir, base);
	snprintf(script, need, "%s.gp", base);
	char path[4200];
	snprintf(path, sizeof path, "%s/%s", abs_dir, script);
	FILE *f = fopen(path, "w");
	if (!f) {
		snprintf(err, errlen, "--timeline-plot: cannot write %s", path);
		goto out;
	}
	fprintf(f, "# drawn by cdvm run --timeline-plot; run `gnuplot %s` to redraw\n"
		"set terminal pngcairo size 1000,900 noenhanced\n"
		"set output '%s'\n"
		"set datafile separator ','\n"
		"set multiplot layout 3,1 title 'cdvm --timeline %s'\n"
		"set grid\n"
		"set xlabel 'simulated cycles'\n"
		"set ylabel 'x86 IPC'\n"
		"plot '%s' using (column('cycle')):(column('x86_ipc')) with steps title 'x86 IPC'\n"
		"set ylabel 'ways enabled'\n"
		"plot '%s' using (column('cycle')):(column('l1i_ways')) with steps title 'L1I', \\\n"
		"     '' using (column('cycle')):(column('l1d_ways')) with steps title 'L1D', \\\n"
		"     '' using (column('cycle')):(column('l2_ways')) with steps title 'L2'\n"
		"set ylabel 'power (mW)'\n"
		"plot '%s' using (column('cycle')):(column('power_mw')) with steps title 'chip', \\\n"
		"     '' using (column('cycle')):(column('cache_power_mw')) with steps title 'L1I + L1D + L2'\n"
		"unset multiplot\n",
		script, abs_png, csv, abs_csv, abs_csv, abs_csv);
	if (fclose(f)) {
		snprintf(err, errlen, "--timeline-plot: cannot write %s", path);
		goto out;
	}
	rc = sweep_gnuplot(abs_dir, script, err, errlen);
out:
	free(abs_csv);
	free(abs_dir);
	free(abs_png);
	free(script);
	return rc;
}
