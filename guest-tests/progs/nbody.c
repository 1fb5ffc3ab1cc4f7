/* guest-tests/progs/nbody.c: the Jovian planets around the sun, integrated
 * in double with the symplectic Euler step of the classic n-body benchmark
 * (velocities from all pairwise forces, then positions), the energy
 * printed exactly before and after.  With dt = 0.01 (years; masses in
 * solar masses times 4 pi^2) the energy drifts by less than 1e-4 of
 * itself and the total momentum stays zero, which the program checks;
 * the positions and velocities are folded into a checksum every thousand
 * steps.
 * Size argument: thousands of steps. */
#include "fp.h"

#define PI 3.141592653589793
#define SOLAR_MASS (4 * PI * PI)
#define DAYS_PER_YEAR 365.24
#define NB 5

struct body {
    double x, y, z, vx, vy, vz, mass;
};

static struct body bodies[NB] = {
    /* sun */
    { 0, 0, 0, 0, 0, 0, SOLAR_MASS },
    /* jupiter */
    { 4.84143144246472090e+00, -1.16032004402742839e+00, -1.03622044471123109e-01,
      1.66007664274403694e-03 * DAYS_PER_YEAR, 7.69901118419740425e-03 * DAYS_PER_YEAR,
      -6.90460016972063023e-05 * DAYS_PER_YEAR, 9.54791938424326609e-04 * SOLAR_MASS },
    /* saturn */
    { 8.34336671824457987e+00, 4.12479856412430479e+00, -4.03523417114321381e-01,
      -2.76742510726862411e-03 * DAYS_PER_YEAR, 4.99852801234917238e-03 * DAYS_PER_YEAR,
      2.30417297573763929e-05 * DAYS_PER_YEAR, 2.85885980666130812e-04 * SOLAR_MASS },
    /* uranus */
    { 1.28943695621391310e+01, -1.51111514016986312e+01, -2.23307578892655734e-01,
      2.96460137564761618e-03 * DAYS_PER_YEAR, 2.37847173959480950e-03 * DAYS_PER_YEAR,
      -2.96589568540237556e-05 * DAYS_PER_YEAR, 4.36624404335156298e-05 * SOLAR_MASS },
    /* neptune */
    { 1.53796971148509165e+01, -2.59193146099879641e+01, 1.79258772950371181e-01,
      2.68067772490389322e-03 * DAYS_PER_YEAR, 1.62824170038242295e-03 * DAYS_PER_YEAR,
      -9.51592254519715870e-05 * DAYS_PER_YEAR, 5.15138902046611451e-05 * SOLAR_MASS },
};

static double sqrt_d(double x)
{
    __asm__("fsqrt" : "+t"(x));
    return x;
}

/* the sun moves so that the total momentum is zero */
static void offset_momentum(void)
{
    double px = 0, py = 0, pz = 0;
    for (int i = 0; i < NB; i++) {
        px += bodies[i].vx * bodies[i].mass;
        py += bodies[i].vy * bodies[i].mass;
        pz += bodies[i].vz * bodies[i].mass;
    }
    bodies[0].vx = -px / SOLAR_MASS;
    bodies[0].vy = -py / SOLAR_MASS;
    bodies[0].vz = -pz / SOLAR_MASS;
}

static double energy(void)
{
    double e = 0;
    for (int i = 0; i < NB; i++) {
        const struct body *b = &bodies[i];
        e += 0.5 * b->mass * (b->vx * b->vx + b->vy * b->vy + b->vz * b->vz);
        for (int j = i + 1; j < NB; j++) {
            const struct body *c = &bodies[j];
            double dx = b->x - c->x, dy = b->y - c->y, dz = b->z - c->z;
            e -= b->mass * c->mass / sqrt_d(dx * dx + dy * dy + dz * dz);
        }
    }
    return e;
}

static void advance(double dt)
{
    for (int i = 0; i < NB; i++) {
        struct body *b = &bodies[i];
        for (int j = i + 1; j < NB; j++) {
            struct body *c = &bodies[j];
            double dx = b->x - c->x, dy = b->y - c->y, dz = b->z - c->z;
            double d2 = dx * dx + dy * dy + dz * dz;
            double mag = dt / (d2 * sqrt_d(d2));
            b->vx -= dx * c->mass * mag;
            b->vy -= dy * c->mass * mag;
            b->vz -= dz * c->mass * mag;
            c->vx += dx * b->mass * mag;
            c->vy += dy * b->mass * mag;
            c->vz += dz * b->mass * mag;
        }
    }
    for (int i = 0; i < NB; i++) {
        struct body *b = &bodies[i];
        b->x += dt * b->vx;
        b->y += dt * b->vy;
        b->z += dt * b->vz;
    }
}

static uint32_t state_hash(void)
{
    uint32_t h = 2166136261u;
    for (int i = 0; i < NB; i++) {
        const double *p = &bodies[i].x;
        for (int k = 0; k < 6; k++)
            h = fp_mix64(h, fp_b64(p[k]));
    }
    return h;
}

int main(int argc, char **argv)
{
    int n = rt_scale(argc, argv);
    offset_momentum();
    double e0 = energy();
    printf("energy at the start %s\n", fp_sd(e0));
    for (int k = 0; k < n; k++) {
        for (int s = 0; s < 1000; s++)
            advance(0.01);
        printf("after %d000 steps: energy %s, state %08x\n", k + 1, fp_sd(energy()), state_hash());
    }
    double e1 = energy();
    printf("jupiter at %s %s %s\n", fp_sd(bodies[1].x), fp_sd(bodies[1].y), fp_sd(bodies[1].z));
    double rel = (e1 - e0) / e0;
    printf("relative energy change %s\n", fp_sd(rel));
    fp_check(rel < 1e-4 && rel > -1e-4, "energy conserved", "");
    /* the pairwise kicks are equal and opposite: the total momentum stays
     * zero up to rounding */
    double px = 0, py = 0, pz = 0;
    for (int i = 0; i < NB; i++) {
        px += bodies[i].vx * bodies[i].mass;
        py += bodies[i].vy * bodies[i].mass;
        pz += bodies[i].vz * bodies[i].mass;
    }
    printf("total momentum %s %s %s\n", fp_sd(px), fp_sd(py), fp_sd(pz));
    fp_check(px * px + py * py + pz * pz < 1e-20, "momentum conserved", "");
    return fp_verdict("nbody");
}
