;;; timers: a host object, a native Rust type held as a Scheme value.
;;;
;;; `(make-timer label)` returns a timer, a Rust `Timer` stored in the heap
;;; type-erased (`Gc<dyn HostObject>`), with no variant of its own in the
;;; interpreter's value type. The collector traces it (its label is a managed
;;; string it keeps alive), moves it and frees it like any other object;
;;; weak-key tables and guardians accept it too.
;;;
;;;   (timer? x)          is x a timer?
;;;   (timer-elapsed t)   milliseconds since t was made (a float)
;;;   (timer-lap! t)      counts a lap, returns the laps so far
;;;   (timer-label t)     the label it was made with

(define (count-to n) (let loop ((i 0)) (if (< i n) (loop (+ i 1)) i)))

(define t (make-timer (string-append "count" "ing")))
(display t) (newline)
(display (list (timer? t) (timer? 42) (timer? (vector 1)))) (newline)
(display "laps: ")
(display (map (lambda (i) (count-to (* i 1000)) (timer-lap! t)) (iota 3)))
(newline)
(collect 'minor)
(collect)
;; Still the same object, with its label, after being moved and marked.
(write (timer-label t)) (newline)
(display (if (>= (timer-elapsed t) 0) "elapsed is a time" "elapsed is negative?"))
(newline)

;; Attaching data to timers without keeping them alive.
(define notes (make-weak-key-table))
(table-set! notes t "the main timer")
(table-set! notes (make-timer "scratch") "forgotten")
(collect)
(display "notes: ") (display (table-count notes)) (newline)

;; A guardian hands a dropped timer back once, for a final report.
(define g (make-guardian))
(g (make-timer "finished"))
(collect)
(let ((done (g)))
  (display "finalized: ") (display done)
  (display ", laps ") (display (timer-lap! done)) (newline))
(display "more? ") (display (g)) (newline)
