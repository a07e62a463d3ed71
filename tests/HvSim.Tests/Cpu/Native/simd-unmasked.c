/*
 * simd-unmasked.c - the host oracle for SSE/AVX/FMA/F16C floating point under an MXCSR with
 * exceptions unmasked (tests/HvSim.Tests/Cpu/AvxFloatTests.Unmasked.cs compiles and runs it, then
 * replays every case in the interpreter). Each case loads ymm0..ymm2 and a random MXCSR (random
 * masks, flags, rounding mode, DAZ, FTZ), runs one instruction, and prints one line:
 *   id mxcsr-in ymm0 ymm1 ymm2 (4 hex quadwords each) trapped mxcsr-out ymm0-out (4 quadwords)
 * (the id in decimal, the rest in hex). On #XM the SIGFPE handler takes MXCSR and ymm0 from the
 * signal frame: XMM0 at byte 160 of the FXSAVE image, bits 255:128 of YMM0 at byte 576 (the
 * standard-format XSAVE offset of the AVX state, CPUID.(EAX=0DH,ECX=2).EBX, which Linux's signal
 * frames use), and returns to the case loop with siglongjmp. Inputs mix special values (NaNs,
 * infinities, zeros, denormals, limits) with random bit patterns; the xorshift seed is fixed.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <signal.h>
#include <ucontext.h>
#include <stdint.h>
#include <string.h>
#include <setjmp.h>
static sigjmp_buf jb; static unsigned t_mxcsr; static uint64_t t_y0[4];
static void h(int s, siginfo_t*si, void*ctx){ucontext_t*u=ctx; unsigned char*fp=(unsigned char*)u->uc_mcontext.fpregs;
  t_mxcsr=u->uc_mcontext.fpregs->mxcsr; memcpy(t_y0,fp+160,16); memcpy(t_y0+2,fp+576,16); siglongjmp(jb,1);}
static uint64_t rng=0x1234567;
static uint64_t nx(void){rng^=rng<<13;rng^=rng>>7;rng^=rng<<17;return rng;}
static uint32_t f32(void){static const uint32_t sp[]={0x7fc00000,0x7f800001,0x7f800000,0xff800000,0,0x80000000,1,0x807fffff,0x00800000,0x7f7fffff,0x3f800000,0x3f800001,0x33800000,0x0f800000};
  switch(nx()%4){case 0: return sp[nx()%14]; case 1: return (uint32_t)(nx()&0x807fffff)|((uint32_t)(100+nx()%56)<<23); default: return (uint32_t)(nx()&0x807fffff)|((uint32_t)(nx()%255)<<23);}}
static uint64_t f64(void){static const uint64_t sp[]={0x7ff8000000000000,0x7ff0000000000001,0x7ff0000000000000,0xfff0000000000000,0,0x8000000000000000,1,0x000fffffffffffff,0x0010000000000000,0x7fefffffffffffff,0x3ff0000000000000,0x3ff0000000000001,0x1ff0000000000000,0x0ff0000000000000};
  switch(nx()%4){case 0: return sp[nx()%14]; case 1: return (nx()&0x800fffffffffffffull)|((uint64_t)(900+nx()%250)<<52); default: return (nx()&0x800fffffffffffffull)|((uint64_t)(nx()%2047)<<52);}}
#define N 38
static const char*names[N]={"vaddps ymm","vmulpd ymm","vdivss","vsqrtpd ymm","vcvtpd2ps ymm","vfmadd231pd ymm","vfmadd213ss","vfnmsub132ps ymm","vcvtps2ph ymm","vcvtph2ps ymm","vcmpps ymm 0x11","vminpd ymm","vroundps ymm 4","vdpps ymm 0xf1","vhaddpd ymm","vcvttpd2dq ymm","dpps 0xf1","mulpd","vcvtdq2ps ymm","vcvtps2dq ymm","vcvtps2pd ymm","vroundpd ymm 9","vsubpd ymm","vmaxps ymm","vaddsubps ymm","vhsubps ymm","vcmppd ymm 0x1c","vfmaddsub231ps ymm","vfmsub213pd ymm","vfnmadd231sd","vcvtss2sd","vcvtsd2ss","vsqrtss","vdppd 0x31","vrcpps ymm","addsd","cvtpd2ps","haddps"};
static int single[N]={1,0,1,0,0,0,1,1,1,2,1,0,1,1,0,0,1,0,2,1,1,0,0,1,1,1,0,1,0,0,1,0,1,0,1,0,0,1};
static void run(int id){
  switch(id){
  case 0: __asm__ volatile("vaddps %ymm2,%ymm1,%ymm0"); break;
  case 1: __asm__ volatile("vmulpd %ymm2,%ymm1,%ymm0"); break;
  case 2: __asm__ volatile("vdivss %xmm2,%xmm1,%xmm0"); break;
  case 3: __asm__ volatile("vsqrtpd %ymm1,%ymm0"); break;
  case 4: __asm__ volatile("vcvtpd2ps %ymm1,%xmm0"); break;
  case 5: __asm__ volatile("vfmadd231pd %ymm2,%ymm1,%ymm0"); break;
  case 6: __asm__ volatile("vfmadd213ss %xmm2,%xmm1,%xmm0"); break;
  case 7: __asm__ volatile("vfnmsub132ps %ymm2,%ymm1,%ymm0"); break;
  case 8: __asm__ volatile("vcvtps2ph $4,%ymm1,%xmm0"); break;
  case 9: __asm__ volatile("vcvtph2ps %xmm1,%ymm0"); break;
  case 10: __asm__ volatile("vcmpps $0x11,%ymm2,%ymm1,%ymm0"); break;
  case 11: __asm__ volatile("vminpd %ymm2,%ymm1,%ymm0"); break;
  case 12: __asm__ volatile("vroundps $4,%ymm1,%ymm0"); break;
  case 13: __asm__ volatile("vdpps $0xf1,%ymm2,%ymm1,%ymm0"); break;
  case 14: __asm__ volatile("vhaddpd %ymm2,%ymm1,%ymm0"); break;
  case 15: __asm__ volatile("vcvttpd2dq %ymm1,%xmm0"); break;
  case 16: __asm__ volatile("dpps $0xf1,%xmm2,%xmm0"); break;
  case 17: __asm__ volatile("mulpd %xmm2,%xmm0"); break;
  case 18: __asm__ volatile("vcvtdq2ps %ymm1,%ymm0"); break;
  case 19: __asm__ volatile("vcvtps2dq %ymm1,%ymm0"); break;
  case 20: __asm__ volatile("vcvtps2pd %xmm1,%ymm0"); break;
  case 21: __asm__ volatile("vroundpd $9,%ymm1,%ymm0"); break;
  case 22: __asm__ volatile("vsubpd %ymm2,%ymm1,%ymm0"); break;
  case 23: __asm__ volatile("vmaxps %ymm2,%ymm1,%ymm0"); break;
  case 24: __asm__ volatile("vaddsubps %ymm2,%ymm1,%ymm0"); break;
  case 25: __asm__ volatile("vhsubps %ymm2,%ymm1,%ymm0"); break;
  case 26: __asm__ volatile("vcmppd $0x1c,%ymm2,%ymm1,%ymm0"); break;
  case 27: __asm__ volatile("vfmaddsub231ps %ymm2,%ymm1,%ymm0"); break;
  case 28: __asm__ volatile("vfmsub213pd %ymm2,%ymm1,%ymm0"); break;
  case 29: __asm__ volatile("vfnmadd231sd %xmm2,%xmm1,%xmm0"); break;
  case 30: __asm__ volatile("vcvtss2sd %xmm2,%xmm1,%xmm0"); break;
  case 31: __asm__ volatile("vcvtsd2ss %xmm2,%xmm1,%xmm0"); break;
  case 32: __asm__ volatile("vsqrtss %xmm2,%xmm1,%xmm0"); break;
  case 33: __asm__ volatile("vdppd $0x31,%xmm2,%xmm1,%xmm0"); break;
  case 34: __asm__ volatile("vrcpps %ymm1,%ymm0"); break;
  case 35: __asm__ volatile("addsd %xmm2,%xmm0"); break;
  case 36: __asm__ volatile("cvtpd2ps %xmm2,%xmm0"); break;
  case 37: __asm__ volatile("haddps %xmm2,%xmm0"); break;
  }
}
int main(){
  struct sigaction sa; memset(&sa,0,sizeof sa); sa.sa_sigaction=h; sa.sa_flags=SA_SIGINFO|SA_NODEFER; sigaction(SIGFPE,&sa,0);
  for(int id=0;id<N;id++) for(int k=0;k<300;k++){
    uint64_t in[3][4];
    for(int r=0;r<3;r++) for(int e=0;e<4;e++){
      if(single[id]==1) in[r][e]=f32()|((uint64_t)f32()<<32);
      else if(single[id]==2) in[r][e]=nx();
      else in[r][e]=f64();
    }
    unsigned csr=(unsigned)(nx()%4==0?(nx()&0x3f):0)|((unsigned)(nx()&0x3f)<<7)|((unsigned)(nx()&3)<<13)|((nx()&1)?0x40:0)|((nx()&1)?0x8000:0);
    if(nx()%3==0) csr|=0x1f80;
    unsigned out_csr; uint64_t out[4]; int trapped;
    if(!sigsetjmp(jb,1)){
      __asm__ volatile("vmovdqu %0,%%ymm0\n vmovdqu %1,%%ymm1\n vmovdqu %2,%%ymm2\n ldmxcsr %3"::"m"(in[0]),"m"(in[1]),"m"(in[2]),"m"(csr):"xmm0","xmm1","xmm2");
      run(id);
      __asm__ volatile("stmxcsr %0\n vmovdqu %%ymm0,%1\n":"=m"(out_csr),"=m"(out));
      trapped=0;
    } else { trapped=1; out_csr=t_mxcsr; memcpy(out,t_y0,32); }
    unsigned dflt=0x1f80; __asm__ volatile("ldmxcsr %0"::"m"(dflt));
    printf("%d %x",id,csr);
    for(int r=0;r<3;r++) for(int e=0;e<4;e++) printf(" %llx",(unsigned long long)in[r][e]);
    printf(" %d %x",trapped,out_csr);
    for(int e=0;e<4;e++) printf(" %llx",(unsigned long long)out[e]);
    printf("\n");
  }
  return 0;
}
