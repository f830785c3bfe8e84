// The C library functions LightGBM's output transforms use, bit-identical to glibc's.
export { exp, fma, log } from "./libm";
export { log1p } from "./log1p";
