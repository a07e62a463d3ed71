#!/usr/bin/env python3
"""weiss_model.py - what the paper's Table 2 runs most likely were, replayed on paper.

The paper's 13 structures carry the names of the files of Weiss's "Data Structures and Algorithm
Analysis in C" (2nd ed., its reference [25]): aatree, avltree, binomial, dsl, hashquad, hashsep,
leftheap, binheap, list, queue, redblack, splay, tree; the operations it lists are the ones those
files implement (avltree's Delete prints "unimplemented"; the hash tables have no delete). The
book's test drivers insert keys in arithmetic progressions: j = (j + 7) % N for the search trees,
j += 71 for the hash tables (quadratic probing rehashing whenever i > CurrentSize / 2, from 13),
j = (j + 71) % N from N / 2 for the binomial queue.

This script replays a few of those algorithms, statement by statement, with a 32-bit layout
(4-byte words; glibc-like malloc: chunks of max(16, (size + 4 + 7) & ~7) bytes carved in order,
the block 8 bytes into its chunk, a heap starting on a page boundary), counting every store to
the data (each C assignment to memory = one write) and the distinct pages they touch, per
transaction of OPT operations, as Table 2 does. One assumption, stated where it is used: the
paper's counts have one more write per malloc than the C statements (modelled as malloc writing
its chunk's size word), which is what makes list insert 4, hashsep insert 4 and tree insert
720.7 rather than 3, 3 and 719.8.

The same replay of OUR avl.c (64-bit layout, our allocator, our seeded random keys) reproduces
what the simulator counts (hvsim workload --table2), which checks the replay itself; so do the
replays of our tree.c insert and delete and our aa.c delete. Our delete runs (guests/ds/driver.c)
insert 2N keys, shuffle them (seeded Fisher-Yates) and delete the first N: our_delete_order.

guests/textbook is the book's code compiled for the simulated machine on the same 32-bit layout and
allocator; `hvsim workload --table2` (its default suite) counts what these replays count, to the
last digit, except the structures' initialisation, which the replays count in the first
transaction and the guests make before the CDA is registered (validation/TABLE2.md).

Run: python3 validation/paper/weiss_model.py   (standard library only, a few seconds)
"""
import sys

PAGE = 4096
M64 = (1 << 64) - 1


class Recorder:
    """Writes and distinct pages per transaction of `opt` operations."""

    def __init__(self, opt):
        self.opt, self.ops, self.txns, self.writes, self.pages = opt, 0, 0, 0, 0
        self.cur_pages = set()

    def w(self, address):
        self.writes += 1
        self.cur_pages.add(address // PAGE)

    def end_op(self):
        self.ops += 1
        if self.ops % self.opt == 0:
            self.txns += 1
            self.pages += len(self.cur_pages)
            self.cur_pages = set()

    def result(self):
        return self.writes / self.txns, self.pages / self.txns


class Malloc32:
    """glibc-like 32-bit malloc from the top chunk (the runs modelled here never free)."""

    def __init__(self, rec, header_write=True):
        self.rec, self.top, self.header_write = rec, 0, header_write

    def malloc(self, size):
        chunk = self.top
        self.top += max(16, (size + 4 + 7) & ~7)
        user = chunk + 8
        if self.header_write:
            self.rec.w(user - 4)  # the assumption: one bookkeeping store per allocation
        return user


class Node:
    __slots__ = ("addr", "key", "left", "right", "height")

    def __init__(self, addr, key):
        self.addr, self.key, self.left, self.right, self.height = addr, key, None, None, 0


def weiss_keys(n, step=7, start=0):
    j = start
    for _ in range(n):
        yield j
        j = (j + step) % n


class OurRng:
    """guests/ds/driver.c's generator: xorshift64*, seeded as rng_seed(seed)."""

    def __init__(self, seed=1):
        self.s = (seed * 0x2545F4914F6CDD1D + 0x9E3779B97F4A7C15) & M64 or 1

    def next(self):
        s = self.s
        s ^= s >> 12
        s ^= (s << 25) & M64
        s ^= s >> 27
        self.s = s
        return (s * 0x2545F4914F6CDD1D) & M64


def our_keys(n, seed=1):
    """guests/ds/driver.c's insert workload: keys (rng_next() >> 33) + 1."""
    rng = OurRng(seed)
    for _ in range(n):
        yield (rng.next() >> 33) + 1


def our_delete_order(n, seed=1):
    """guests/ds/driver.c's delete workload: 2n keys inserted (the warm-up, not counted), then a
    Fisher-Yates shuffle of them with the same generator (k = rng_next() % (i + 1), i from 2n - 1
    down to 1); the first n of the shuffled order are deleted, each present once.
    Returns (the 2n inserted keys in order, the n deleted keys in order)."""
    rng = OurRng(seed)
    inserted = [(rng.next() >> 33) + 1 for _ in range(2 * n)]
    order = list(inserted)
    for i in range(2 * n - 1, 0, -1):
        k = rng.next() % (i + 1)
        order[i], order[k] = order[k], order[i]
    return inserted, order[:n]


# --- unbalanced search tree: Weiss tree.c, recursive insert (T->Left = Insert(X, T->Left)) ---

def weiss_tree_insert(keys, opt):
    rec = Recorder(opt)
    heap = Malloc32(rec)
    root = None
    for x in keys:
        path, t = [], root
        while t is not None and t.key != x:
            path.append(t)
            t = t.left if x < t.key else t.right
        if t is None:
            n = Node(heap.malloc(12), x)  # Element, Left, Right: 3 words
            rec.w(n.addr)          # T->Element = X
            rec.w(n.addr + 4)      # T->Left = ...
            rec.w(n.addr + 8)      # ... = T->Right = NULL
            if not path:
                root = n
            elif x < path[-1].key:
                path[-1].left = n
            else:
                path[-1].right = n
        for a in path:             # every ancestor's link is assigned on the way back
            rec.w(a.addr + (4 if x < a.key else 8))
        rec.end_op()
    return rec.result()


def weiss_tree_delete(insert_keys, delete_keys, opt):
    """Weiss tree.c's recursive Delete (T->Left = Delete(X, T->Left): every link on the path is
    assigned; two children: the right subtree's minimum is copied up and deleted below)."""
    rec = Recorder(opt)
    heap = Malloc32(rec, header_write=False)   # the inserts are not counted here
    root = None
    for x in insert_keys:
        parent, t = None, root
        while t is not None:
            parent, t = t, (t.left if x < t.key else t.right)
        n = Node(heap.malloc(12), x)
        if parent is None:
            root = n
        elif x < parent.key:
            parent.left = n
        else:
            parent.right = n

    def delete(x, t):
        if t is None:
            return None
        if x < t.key:
            t.left = delete(x, t.left); rec.w(t.addr + 4)
        elif x > t.key:
            t.right = delete(x, t.right); rec.w(t.addr + 8)
        elif t.left is not None and t.right is not None:
            m = t.right
            while m.left is not None:
                m = m.left
            t.key = m.key; rec.w(t.addr)
            t.right = delete(t.key, t.right); rec.w(t.addr + 8)
        else:
            t = t.right if t.left is None else t.left   # free(TmpCell): no store counted
        return t

    for x in delete_keys:
        root = delete(x, root)
        rec.end_op()
    return rec.result()


# --- AVL tree: Weiss avltree.c and our guests/ds/avl.c (same recursive algorithm) ---

class AvlLayout:
    def __init__(self, word, node_bytes, weiss):
        self.word, self.node_bytes, self.weiss = word, node_bytes, weiss

    def left(self, n):
        return n.addr + self.word

    def right(self, n):
        return n.addr + 2 * self.word

    def height(self, n):
        return n.addr + 3 * self.word


def h(n):
    return -1 if n is None else n.height


def avl_run(keys, opt, weiss):
    rec = Recorder(opt)
    if weiss:
        lay, heap = AvlLayout(4, 16, True), Malloc32(rec)
        alloc = lambda: heap.malloc(16)
        root_addr = count_addr = None  # T lives in main's frame: not data
    else:
        lay = AvlLayout(8, 32, False)
        bump = [16]  # our CDA: the header {root, count} at offset 0 (16 bytes), then 32-byte nodes

        def alloc():
            bump[0] += 32
            return bump[0] - 32
        root_addr, count_addr = 0, 8

    def fix(n, store=True):
        n.height = max(h(n.left), h(n.right)) + 1
        if store:
            rec.w(lay.height(n))

    def rot_left_child(k2):
        k1 = k2.left
        k2.left = k1.right; rec.w(lay.left(k2))
        k1.right = k2; rec.w(lay.right(k1))
        fix(k2); fix(k1)
        return k1

    def rot_right_child(k1):
        k2 = k1.right
        k1.right = k2.left; rec.w(lay.right(k1))
        k2.left = k1; rec.w(lay.left(k2))
        fix(k1); fix(k2)
        return k2

    def insert(x, t):
        double = False
        if t is None:
            n = Node(alloc(), x)
            rec.w(n.addr)  # key
            if weiss:
                rec.w(lay.height(n)); rec.w(lay.left(n)); rec.w(lay.right(n))  # Height = 0, Left = Right = NULL
                fix(n)  # Weiss falls through to T->Height = Max(...) + 1
            else:
                rec.w(count_addr)  # H->count++ (our node comes zeroed: no other store)
            return n
        if x < t.key:
            t.left = insert(x, t.left); rec.w(lay.left(t))
            if h(t.left) - h(t.right) == 2:
                if x < t.left.key:
                    t = rot_left_child(t)
                else:
                    t.left = rot_right_child(t.left); rec.w(lay.left(t))
                    t = rot_left_child(t)
                    double = True
        elif x > t.key:
            t.right = insert(x, t.right); rec.w(lay.right(t))
            if h(t.right) - h(t.left) == 2:
                if x > t.right.key:
                    t = rot_right_child(t)
                else:
                    t.right = rot_left_child(t.right); rec.w(lay.right(t))
                    t = rot_right_child(t)
                    double = True
        # After a double rotation, our avl.c compiled by gcc -O2 stores one height fewer than its
        # C statements say (the new subtree root's height is stored twice with the same value;
        # the compiler keeps one): the simulator counts stores, so the replay does too. The
        # paper's counts match its C statements.
        fix(t, store=weiss or not double)
        return t

    root = None
    for x in keys:
        root = insert(x, root)
        if root_addr is not None:
            rec.w(root_addr)  # H->root = insert(...)
        rec.end_op()
    return rec.result()


# --- hash table with quadratic probing: Weiss hashquad.c + testhash.c (rehash from 13) ---

def next_prime(n):
    if n % 2 == 0:
        n += 1
    while any(n % i == 0 for i in range(3, int(n ** 0.5) + 1, 2)):
        n += 2
    return n


def weiss_hashquad(n_items, opt):
    rec = Recorder(opt)
    heap = Malloc32(rec)

    def initialize(size):
        tbl = heap.malloc(8)
        size = next_prime(size)
        rec.w(tbl)                       # H->TableSize
        cells = heap.malloc(8 * size)
        rec.w(tbl + 4)                   # H->TheCells
        for i in range(size):
            rec.w(cells + 8 * i + 4)     # TheCells[i].Info = Empty
        return [tbl, size, cells, [None] * size]

    def insert(key, t):
        _, size, cells, slot = t
        pos, i = key % size, 0
        while slot[pos] is not None and slot[pos] != key:
            i += 1
            pos += 2 * i - 1
            if pos >= size:
                pos -= size
        if slot[pos] is None:
            slot[pos] = key
            rec.w(cells + 8 * pos + 4)   # Info = Legitimate
            rec.w(cells + 8 * pos)       # Element = Key

    t, current, j = initialize(13), 13, 0
    for i in range(n_items):
        if i > current // 2:             # testhash.c's rehash, inside the insert's transaction
            old = t
            t = initialize(2 * old[1])
            for key in old[3]:
                if key is not None:
                    insert(key, t)
            current *= 2
        insert(j, t)
        j += 71
        rec.end_op()
    return rec.result()


# --- binomial queue: Weiss binomial.c Insert = Merge(H, a fresh one-item queue) ---

def weiss_binomial(n_items, opt, max_trees=14):
    rec = Recorder(opt)
    heap = Malloc32(rec)

    def initialize():
        q = heap.malloc(4 + 4 * max_trees)
        rec.w(q)                                  # CurrentSize = 0
        for i in range(max_trees):
            rec.w(q + 4 + 4 * i)                  # TheTrees[i] = NULL
        return [q, 0, [None] * max_trees]

    def combine(t1, t2):
        if t1.key > t2.key:
            t1, t2 = t2, t1
        t2.right = t1.left; rec.w(t2.addr + 8)    # T2->NextSibling = T1->LeftChild
        t1.left = t2; rec.w(t1.addr + 4)          # T1->LeftChild = T2
        return t1

    H = initialize()
    j = n_items // 2
    for _ in range(n_items):
        node = Node(heap.malloc(12), j)
        rec.w(node.addr + 4); rec.w(node.addr + 8); rec.w(node.addr)  # LeftChild = NextSibling = NULL; Element
        one = initialize()
        one[1] = 1; rec.w(one[0])
        one[2][0] = node; rec.w(one[0] + 4)
        # Merge(H, one), "not optimized for early termination": the loop runs to log2(size)
        H[1] += 1; rec.w(H[0])
        carry, i, k = None, 0, 1
        while k <= H[1]:
            t1, t2 = H[2][i], one[2][i]
            case = (t1 is not None) + 2 * (t2 is not None) + 4 * (carry is not None)
            if case == 2:
                H[2][i] = t2; rec.w(H[0] + 4 + 4 * i); one[2][i] = None; rec.w(one[0] + 4 + 4 * i)
            elif case == 4:
                H[2][i] = carry; rec.w(H[0] + 4 + 4 * i); carry = None
            elif case == 3:
                carry = combine(t1, t2)
                H[2][i] = None; one[2][i] = None; rec.w(H[0] + 4 + 4 * i); rec.w(one[0] + 4 + 4 * i)
            elif case == 5:
                carry = combine(t1, carry); H[2][i] = None; rec.w(H[0] + 4 + 4 * i)
            elif case == 6:
                carry = combine(t2, carry); one[2][i] = None; rec.w(one[0] + 4 + 4 * i)
            elif case == 7:
                H[2][i] = carry; rec.w(H[0] + 4 + 4 * i)
                carry = combine(t1, t2); one[2][i] = None; rec.w(one[0] + 4 + 4 * i)
            i, k = i + 1, k * 2
        j = (j + 71) % n_items
        rec.end_op()
    return rec.result()


# --- our unbalanced tree (guests/ds/tree.c): iterative insert, one link written ---

def our_tree_insert(keys, opt):
    rec = Recorder(opt)
    bump, root = 16, None  # header {root, count} at offset 0, then 32-byte nodes (key, left, right)
    for x in keys:
        parent, t = None, root
        while t is not None and t.key != x:
            parent, t = t, (t.left if x < t.key else t.right)
        if t is None:
            n = Node(bump, x)
            bump += 32
            rec.w(n.addr)                       # n->key (left and right come zeroed)
            if parent is None:
                root = n
                rec.w(0)                        # H->root
            elif x < parent.key:
                parent.left = n
                rec.w(parent.addr + 8)          # the one link that changes
            else:
                parent.right = n
                rec.w(parent.addr + 16)
            rec.w(8)                            # H->count++
        rec.end_op()
    return rec.result()


def our_tree_delete(insert_keys, delete_keys, opt):
    """Our tree.c's iterative delete: the one link that changes (two children: the successor's key
    copied up and the successor's parent link), cda_free's free-list link in the freed node's first
    word, the header's count. Layout as in our_tree_insert; the inserts are not counted."""
    rec = Recorder(opt)
    bump, root = 16, None
    for x in insert_keys:
        parent, t = None, root
        while t is not None and t.key != x:
            parent, t = t, (t.left if x < t.key else t.right)
        if t is None:
            n = Node(bump, x)
            bump += 32
            if parent is None:
                root = n
            elif x < parent.key:
                parent.left = n
            else:
                parent.right = n
    for x in delete_keys:
        parent, t = None, root
        while t is not None and t.key != x:
            parent, t = t, (t.left if x < t.key else t.right)
        if t is None:                           # absent: writes nothing
            rec.end_op()
            continue
        if t.left is not None and t.right is not None:
            sparent, s = t, t.right             # successor: leftmost of the right subtree
            while s.left is not None:
                sparent, s = s, s.left
            t.key = s.key; rec.w(t.addr)        # n->key = s->key
            if sparent is t:
                t.right = s.right; rec.w(t.addr + 16)
            else:
                sparent.left = s.right; rec.w(sparent.addr + 8)
            rec.w(s.addr)                       # cda_free(s): free-list link
        else:
            child = t.left if t.left is not None else t.right
            if parent is None:
                root = child; rec.w(0)          # H->root
            elif parent.left is t:
                parent.left = child; rec.w(parent.addr + 8)
            else:
                parent.right = child; rec.w(parent.addr + 16)
            rec.w(t.addr)                       # cda_free(n): free-list link
        rec.w(8)                                # H->count--
        rec.end_op()
    return rec.result()


# --- our AA tree (guests/ds/aa.c): recursive delete, skew and split at every level ---

def our_aa_delete(insert_keys, delete_keys, opt):
    """Our aa.c: nodes {key, left, right, level} of 32 bytes carved after a 16-byte header {root,
    count}; the inserts are not counted. Returns ((writes, pages) per transaction, the unchanged
    link stores per transaction of t->right->right = skew(t->right->right) and of
    t->right = split(t->right): the re-assignments our remove makes at every level of the path,
    where Weiss's aatree.c Remove skews and splits only at a node whose level dropped)."""
    rec = Recorder(opt)
    bump = [16]
    unchanged = [0, 0, 0]

    def lv(n):
        return 0 if n is None else n.height     # Node.height holds the AA level

    store = rec.w

    def relink(address, changed, which):
        # x->right = skew(x->right) or split(...) after remove's recursion: a store even when skew
        # or split changed nothing, except for the first, t->right = skew(t->right): that one is
        # executed only when it changes the link (what gcc -O2 made of it; like avl's dropped
        # height store, the replay learned it from the simulator: with it the writes match to the
        # last digit, without it they are 13.3 per delete too many; the pages match either way).
        if changed:
            store(address)
        else:
            unchanged[which] += 1
            if which != 0:
                store(address)

    def skew(t, count):
        if t is not None and t.left is not None and t.left.height == t.height:
            l = t.left
            t.left = l.right
            l.right = t
            if count:
                store(t.addr + 8); store(l.addr + 16)
            return l
        return t

    def split(t, count):
        if t is not None and t.right is not None and t.right.right is not None \
                and t.right.right.height == t.height:
            r = t.right
            t.right = r.left
            r.left = t
            r.height += 1
            if count:
                store(t.addr + 16); store(r.addr + 8); store(r.addr + 24)
            return r
        return t

    def insert(x, t):
        if t is None:
            n = Node(bump[0], x)
            bump[0] += 32
            n.height = 1
            return n
        if x < t.key:
            t.left = insert(x, t.left)
        elif x > t.key:
            t.right = insert(x, t.right)
        else:
            return t
        return split(skew(t, False), False)

    def remove(x, t):
        if x < t.key:
            new = remove(x, t.left); store(t.addr + 8); t.left = new
        elif x > t.key:
            new = remove(x, t.right); store(t.addr + 16); t.right = new
        elif t.left is None and t.right is None:
            store(t.addr)                 # cda_free: free-list link
            return None
        elif t.left is None:
            s = t.right
            while s.left is not None:
                s = s.left
            t.key = s.key; store(t.addr)
            new = remove(s.key, t.right); store(t.addr + 16); t.right = new
        else:
            s = t.left
            while s.right is not None:
                s = s.right
            t.key = s.key; store(t.addr)
            new = remove(s.key, t.left); store(t.addr + 8); t.left = new
        should = min(lv(t.left), lv(t.right)) + 1
        if should < t.height:
            t.height = should; store(t.addr + 24)
            if t.right is not None and should < t.right.height:
                t.right.height = should; store(t.right.addr + 24)
        t = skew(t, True)
        new = skew(t.right, True); relink(t.addr + 16, new is not t.right, 0); t.right = new
        if t.right is not None:
            r = t.right
            new = skew(r.right, True); relink(r.addr + 16, new is not r.right, 1); r.right = new
        t = split(t, True)
        new = split(t.right, True); relink(t.addr + 16, new is not t.right, 2); t.right = new
        return t

    root = None
    for x in insert_keys:
        root = insert(x, root)
    for x in delete_keys:
        new = remove(x, root); store(0); root = new   # H->root = remove(...)
        store(8)                          # H->count--
        rec.end_op()
    return rec.result(), unchanged[1] / rec.txns, unchanged[2] / rec.txns


# --- splay tree: Weiss splay.c (top-down; NullNode sentinel in the heap, Header static) ---

def weiss_splay(insert_keys, delete_keys, opt, find_passes=0):
    """Inserts (OPT per transaction), then find_passes passes of Find(0..N-1) outside any
    transaction (testsply.c makes two), then, if delete_keys, deletes: returns (inserts, deletes)."""
    rec = Recorder(opt)
    heap = Malloc32(rec)
    null = Node(heap.malloc(12), 0)
    null.left = null.right = null               # Initialize: NullNode->Left = ->Right = NullNode
    rec.w(null.addr + 4); rec.w(null.addr + 8)
    header = Node(None, 0)                      # static struct SplayNode Header: not heap data

    def w(node, offset):
        if node.addr is not None:
            rec.w(node.addr + offset)

    def splay(item, x):
        header.left = header.right = null
        left_max = right_min = header
        null.key = item; rec.w(null.addr)      # NullNode->Element = Item
        while item != x.key:
            if item < x.key:
                if item < x.left.key:          # SingleRotateWithLeft
                    k1 = x.left
                    x.left = k1.right; w(x, 4)
                    k1.right = x; w(k1, 8)
                    x = k1
                if x.left is null:
                    break
                right_min.left = x; w(right_min, 4)
                right_min, x = x, x.left
            else:
                if item > x.right.key:         # SingleRotateWithRight
                    k2 = x.right
                    x.right = k2.left; w(x, 8)
                    k2.left = x; w(k2, 4)
                    x = k2
                if x.right is null:
                    break
                left_max.right = x; w(left_max, 8)
                left_max, x = x, x.right
        left_max.right = x.left; w(left_max, 8)
        right_min.left = x.right; w(right_min, 4)
        x.left = header.right; w(x, 4)
        x.right = header.left; w(x, 8)
        return x

    t, spare = null, None
    for item in insert_keys:
        if spare is None:
            spare = Node(heap.malloc(12), item)
        n = spare
        n.key = item; rec.w(n.addr)
        if t is null:
            n.left = n.right = null; rec.w(n.addr + 4); rec.w(n.addr + 8)
            t, spare = n, None
        else:
            t = splay(item, t)
            if item < t.key:
                n.left, n.right = t.left, t; rec.w(n.addr + 4); rec.w(n.addr + 8)
                t.left = null; rec.w(t.addr + 4)
                t, spare = n, None
            elif item > t.key:
                n.right, n.left = t.right, t; rec.w(n.addr + 8); rec.w(n.addr + 4)
                t.right = null; rec.w(t.addr + 8)
                t, spare = n, None
        rec.end_op()
    inserts = rec.result()
    if not delete_keys:
        return inserts, None
    count = rec.w
    rec.w = lambda address: None                # the finds are not in a transaction
    for _ in range(find_passes):
        for item in range(len(delete_keys)):
            t = splay(item, t)
    rec.w = count
    rec.__init__(opt)
    for item in delete_keys:
        if t is not null:
            t = splay(item, t)
            if item == t.key:
                if t.left is null:
                    new = t.right
                else:
                    new = splay(item, t.left)
                    new.right = t.right; rec.w(new.addr + 8)
                t = new                         # free(T): no store counted (list delete is 1)
        rec.end_op()
    return inserts, rec.result()


def show(label, reference, model):
    """One line: the reference figures (the paper's, or hvsim's where so labelled) and the replay's."""
    r1, r5 = reference
    m1, m5 = model
    print(f"{label:<52} {r1[0]:8.2f} {r1[1]:5.2f} {r5[0]:8.2f} {r5[1]:5.2f}   "
          f"{m1[0]:8.2f} {m1[1]:5.2f} {m5[0]:8.2f} {m5[1]:5.2f}")


def main():
    sys.setrecursionlimit(100000)
    n = 10000
    paper = {
        "tree": ((720.7, 5.4), (3603.9, 5.5)),
        "avl": ((30.5, 5.1), (152.8, 5.1)),
        "hashquad": ((11.3, 1.0), (56.9, 1.6)),
        "bin": ((27.9, 2.0), (139.9, 2.3)),
        "splay insert": ((20.0, 4.7), (100.4, 5.0)),
        "splay delete": ((7.7, 3.0), (38.8, 6.7)),
        "tree delete": ((1.7, 1.7), (8.56, 4.1)),
        "aa delete": ((20.4, 6.0), (102.0, 8.8)),
    }
    hvsim = {  # hvsim workload --table2 (10000 operations, seed 1)
        "avl": ((29.97, 7.60), (149.83, 19.11)),
        "tree": ((3.00, 2.91), (15.00, 6.20)),
        "tree delete": ((3.34, 3.18), (16.70, 11.58)),
        "aa delete": ((47.55, 12.65), (237.76, 43.90)),
    }
    print(f"{'writes and pages per transaction, 10000 operations':<52} {'reference: OPT=1':>14} {'OPT=5':>14}"
          f"   {'replay: OPT=1':>14} {'OPT=5':>14}")
    print("reference = the paper's Table 2, except the lines marked 'vs hvsim'")
    show("tree insert: Weiss tree.c, keys (j+7)%N", paper["tree"],
         [weiss_tree_insert(weiss_keys(n), o) for o in (1, 5)])
    show("tree insert: Weiss tree.c, OUR keys", paper["tree"],
         [weiss_tree_insert(our_keys(n), o) for o in (1, 5)])
    show("tree insert: OUR tree.c, OUR keys (vs hvsim)", hvsim["tree"],
         [our_tree_insert(our_keys(n), o) for o in (1, 5)])
    show("tree insert: OUR tree.c, keys (j+7)%N", paper["tree"],
         [our_tree_insert(weiss_keys(n), o) for o in (1, 5)])
    show("tree delete: Weiss tree.c, ascending keys", paper["tree delete"],
         [weiss_tree_delete(weiss_keys(n), range(n), o) for o in (1, 5)])
    show("avl insert: Weiss avltree.c, keys (j+7)%N", paper["avl"],
         [avl_run(weiss_keys(n), o, weiss=True) for o in (1, 5)])
    show("avl insert: OUR avl.c, OUR keys (vs hvsim)", hvsim["avl"],
         [avl_run(our_keys(n), o, weiss=False) for o in (1, 5)])
    show("avl insert: Weiss avltree.c, OUR keys", paper["avl"],
         [avl_run(our_keys(n), o, weiss=True) for o in (1, 5)])
    show("avl insert: OUR avl.c, keys (j+7)%N", paper["avl"],
         [avl_run(weiss_keys(n), o, weiss=False) for o in (1, 5)])
    show("hashquad insert: Weiss hashquad.c + testhash.c", paper["hashquad"],
         [weiss_hashquad(n, o) for o in (1, 5)])
    show("bin insert: Weiss binomial.c + testbin.c", paper["bin"],
         [weiss_binomial(n, o) for o in (1, 5)])
    ascending = list(range(n))
    weiss_runs = [weiss_splay(weiss_keys(n), ascending, o, find_passes=2) for o in (1, 5)]
    show("splay insert: Weiss splay.c, keys (j+7)%N", paper["splay insert"], [r[0] for r in weiss_runs])
    show("splay delete: testsply.c's 2 Find passes, ascending", paper["splay delete"], [r[1] for r in weiss_runs])
    ours = list(our_keys(n))
    show("splay insert: Weiss splay.c, OUR keys", paper["splay insert"],
         [weiss_splay(ours, None, o)[0] for o in (1, 5)])
    # Our delete workload: 2N keys inserted, the first N of a seeded shuffle of them deleted.
    inserted, deleted = our_delete_order(n)
    show("splay delete: Weiss splay.c, OUR delete keys", paper["splay delete"],
         [weiss_splay(inserted, deleted, o)[1] for o in (1, 5)])
    show("tree delete: Weiss tree.c, OUR delete keys", paper["tree delete"],
         [weiss_tree_delete(inserted, deleted, o) for o in (1, 5)])
    show("tree delete: OUR tree.c, OUR delete keys (vs hvsim)", hvsim["tree delete"],
         [our_tree_delete(inserted, deleted, o) for o in (1, 5)])
    show("tree delete: OUR tree.c, (j+7)%N, then ascending", paper["tree delete"],
         [our_tree_delete(list(weiss_keys(n)), range(n), o) for o in (1, 5)])
    aa_runs = [our_aa_delete(inserted, deleted, o) for o in (1, 5)]
    show("aa delete: OUR aa.c, OUR delete keys (vs hvsim)", hvsim["aa delete"], [r[0] for r in aa_runs])
    print(f"  of which links re-stored unchanged by t->right->right = skew(...) {aa_runs[0][1]:.2f} and by "
          f"t->right = split(...) {aa_runs[0][2]:.2f} per delete")
    show("aa delete: OUR aa.c, (j+7)%N, then ascending", paper["aa delete"],
         [our_aa_delete(list(weiss_keys(n)), range(n), o)[0] for o in (1, 5)])


if __name__ == "__main__":
    main()
