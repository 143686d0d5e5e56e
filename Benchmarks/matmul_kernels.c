// The linear layers' GEMM kernels in isolation, on one thread, against OpenBLAS in the
// same run: the reference config's four shapes (QKV, attention projection, MLP up, MLP
// down) for one worker's shard of rows. Prints one JSON object: GFLOP/s per kernel and
// shape, and each kernel's worst error relative to Σ|a·b| against a float64 reference.
// Built and run by scripts/matmul_kernels.sh; links Sources/CNNKernels directly.
#include "CNNKernels.h"
#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

extern void openblas_set_num_threads(int);

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

static float *gaussian(long n, unsigned *seed) {
    float *p = aligned_alloc(64, (size_t)((n * 4 + 63) / 64 * 64));
    for (long i = 0; i < n; i++) {
        double u = (rand_r(seed) + 1.0) / (RAND_MAX + 2.0), v = rand_r(seed) / (double)RAND_MAX;
        p[i] = (float)(sqrt(-2 * log(u)) * cos(6.283185307179586 * v));
    }
    return p;
}

/// Worst |out − inp·wᵀ| / Σ|products| over the outputs (float64 reference).
static double forward_error(const float *out, const float *x, const float *w, long n, int c, int oc) {
    double worst = 0;
    for (long i = 0; i < n; i++)
        for (int j = 0; j < oc; j++) {
            double s = 0, m = 0;
            for (int k = 0; k < c; k++) {
                double p = (double)x[i * c + k] * w[(long)j * c + k];
                s += p;
                m += fabs(p);
            }
            double e = fabs(out[i * oc + j] - s) / (m > 0 ? m : 1);
            if (e > worst) worst = e;
        }
    return worst;
}

int main(int argc, char **argv) {
    long rows = argc > 1 ? atol(argv[1]) : 4096;
    int reps = argc > 2 ? atoi(argv[2]) : 10;
    openblas_set_num_threads(1);
    // ICRL_NN_KERNELS caps the path as in icrl (avx512, avx2, portable): the fp32 figures
    // are then that path's tile, e.g. the AVX2 build's 6 × 16 on an AVX-512 host.
    const char *cap = getenv("ICRL_NN_KERNELS");
    if (cap && *cap) icrl_nn_set_path(!strcmp(cap, "avx512") ? 2 : !strcmp(cap, "avx2") ? 1 : 0);
    int path = icrl_nn_path();
    int amx = path == 2 && icrl_nn_amx_available(), avx = path > 0;
    const int shapes[4][2] = {{128, 384}, {128, 128}, {128, 512}, {512, 128}};
    const char *names[4] = {"qkv", "proj", "fc", "fcproj"};
    unsigned seed = 7;
    const char *path_names[3] = {"portable", "avx2", "avx512"};
    printf("{\"rows\": %ld, \"nn_kernels\": \"%s\", \"amx\": %d", rows, path_names[path], amx);
    for (int s = 0; s < 4; s++) {
        int c = shapes[s][0], oc = shapes[s][1];
        float *x = gaussian(rows * c, &seed), *w = gaussian((long)oc * c, &seed), *b = gaussian(oc, &seed);
        float *o = gaussian(rows * oc, &seed), *dy = gaussian(rows * oc, &seed), *dx = gaussian(rows * c, &seed);
        float *dw = gaussian((long)oc * c, &seed);
        double flops = 2.0 * rows * c * oc, best[7] = {1e30, 1e30, 1e30, 1e30, 1e30, 1e30, 1e30};
        for (int r = 0; r < reps; r++) {
            double t0 = now();
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, rows, oc, c, 1, x, c, w, c, 0, o, oc);
            double t1 = now();
            cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, oc, c, rows, 1, dy, oc, x, c, 1, dw, c);
            double t2 = now(), t3 = t2, t4 = t2, t5 = t2;
            if (avx) {
                icrl_linear_forward(o, x, w, NULL, NULL, rows, c, oc);
                t3 = now();
                icrl_linear_backward_weight(dw, dy, x, rows, c, oc);
                t4 = now();
            }
            if (amx) {
                t4 = now();
                icrl_linear_forward_amx(o, x, w, NULL, NULL, rows, c, oc);
                t5 = now();
            }
            double t6 = now();
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, rows, c, oc, 1, dy, oc, w, c, 0, dx, c);
            double t7 = now(), t8 = t7;
            if (avx) {
                icrl_linear_backward_input(dx, dy, w, rows, c, oc);
                t8 = now();
            }
            double d[7] = {t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4, t7 - t6, t8 - t7};
            for (int k = 0; k < 7; k++)
                if (d[k] > 0 && d[k] < best[k]) best[k] = d[k];
        }
        long check = rows < 64 ? rows : 64;
        printf(", \"%s_openblas_gflops\": %.1f, \"%s_openblas_dweight_gflops\": %.1f, \"%s_openblas_dinput_gflops\": %.1f",
               names[s], flops / best[0] / 1e9, names[s], flops / best[1] / 1e9, names[s], flops / best[5] / 1e9);
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, check, oc, c, 1, x, c, w, c, 0, o, oc);
        printf(", \"%s_openblas_error\": %.2e", names[s], forward_error(o, x, w, check, c, oc));
        if (avx) {
            icrl_linear_forward(o, x, w, NULL, NULL, check, c, oc);
            printf(", \"%s_fp32_gflops\": %.1f, \"%s_fp32_dweight_gflops\": %.1f, \"%s_fp32_dinput_gflops\": %.1f, "
                   "\"%s_fp32_error\": %.2e", names[s], flops / best[2] / 1e9, names[s], flops / best[3] / 1e9, names[s],
                   flops / best[6] / 1e9, names[s], forward_error(o, x, w, check, c, oc));
        }
        if (amx) {
            icrl_linear_forward_amx(o, x, w, NULL, NULL, check, c, oc);
            printf(", \"%s_bf16x3_gflops\": %.1f, \"%s_bf16x3_error\": %.2e", names[s], flops / best[4] / 1e9, names[s],
                   forward_error(o, x, w, check, c, oc));
        }
        free(x); free(w); free(b); free(o); free(dy); free(dx); free(dw);
    }
    printf("}\n");
    return 0;
}
