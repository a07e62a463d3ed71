/* NextPrime, shared by the two hash tables (the book repeats it in hashsep.c and hashquad.c):
 * the smallest odd prime >= N, found by trial division as the book does. Static, so each
 * table's program keeps its own copy of the code, exactly as before. */
#ifndef TB_PRIME_H
#define TB_PRIME_H

static int NextPrime(int N)
{
    int i;
    if (N % 2 == 0)
        N++;
    for (;; N += 2) {
        for (i = 3; i * i <= N; i += 2)
            if (N % i == 0)
                goto ContOuter;
        return N;
    ContOuter:;
    }
}

#endif
