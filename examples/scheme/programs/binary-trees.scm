;;; binary-trees, after the Computer Language Benchmarks Game.
;;;
;;; Builds many short-lived complete binary trees of growing depth while one
;;; long-lived tree stays reachable: the classic test of a young generation.
;;; A tree node is a pair (left . right); a leaf is (() . ()).
;;;
;;;   depth=N   the maximum depth (default 16; the test uses 6)
;;;
;;; Live data: the long-lived tree, 2^(N+1) pairs (4 MiB at N=16). Garbage:
;;; about (N-2)/2 * 2^(N+5) pairs in total (about 450 MiB at N=16), all of
;;; it dying young.

(define (make-tree depth)
  (if (= depth 0)
      (cons '() '())
      (cons (make-tree (- depth 1)) (make-tree (- depth 1)))))

(define (check tree)
  (if (null? (car tree))
      1
      (+ 1 (check (car tree)) (check (cdr tree)))))

(define min-depth 4)
(define max-depth (max (+ min-depth 2) (param 'depth 16)))

(define (report label depth count)
  (display label)
  (display depth)
  (display "\t check: ")
  (display count)
  (newline))

(let ((stretch (+ max-depth 1)))
  (report "stretch tree of depth " stretch (check (make-tree stretch))))

(define long-lived (make-tree max-depth))

(let loop ((depth min-depth))
  (when (<= depth max-depth)
    (let ((iterations (expt 2 (+ (- max-depth depth) min-depth))))
      (let trees ((i 0) (sum 0))
        (if (< i iterations)
            (trees (+ i 1) (+ sum (check (make-tree depth))))
            (begin
              (display iterations)
              (report "\t trees of depth " depth sum)))))
    (loop (+ depth 2))))

(report "long lived tree of depth " max-depth (check long-lived))
