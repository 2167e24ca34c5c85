;;; weak-keys: an ephemeron table attaches data to objects without keeping
;;; them alive (JavaScript's WeakMap, Lua's weak-keyed tables).
;;;
;;; `make-weak-key-table` holds its keys weakly with ephemeron semantics: an
;;; entry's value is kept alive only while its key is reachable from
;;; elsewhere. So a value may refer back to its own key, entries may form
;;; chains (one entry's value is the next entry's key) and cycles, and still
;;; everything unreachable goes away together.

(define properties (make-weak-key-table))
(define (make-node name) (vector 'node name))
(define (set-property! object value) (table-set! properties object value))

;; Values that refer back to their keys.
(define a (make-node "a"))
(define b (make-node "b"))
(set-property! a (list "metadata of a" a))
(set-property! b (list "metadata of b" b))

;; A chain c -> d -> e: only c is reachable from outside the table.
(define c (make-node "c"))
(let* ((e (make-node "e"))
       (d (make-node "d")))
  (set-property! e 'end-of-chain)
  (set-property! d e)
  (set-property! c d))

;; A cycle x -> y -> x, unreachable from outside.
(let ((x (make-node "x"))
      (y (make-node "y")))
  (set-property! x y)
  (set-property! y x))

;; Keys without a lifetime (symbols, numbers, strings) are ordinary keys.
(set-property! 'config "kept like in any table")

(display "entries: ") (display (table-count properties)) (newline)
(collect)
(display "after a collection: ") (display (table-count properties)) (newline)
(set! b #f)
(collect)
(display "after dropping b: ") (display (table-count properties)) (newline)
(set! c #f)
(collect)
(display "after dropping c: ") (display (table-count properties)) (newline)
(display (car (table-ref properties a))) (newline)
(display (table-ref properties 'config)) (newline)
