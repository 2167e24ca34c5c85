;;; guardians: finalization with the heap available.
;;;
;;; A guardian (after Chez Scheme) is made with `make-guardian`. `(g obj)`
;;; asks it to watch `obj`; when the collector finds `obj` unreachable, it
;;; does not free it but hands it to the guardian, once per registration, and
;;; `(g)` returns it (or #f when there is none). The program then runs its
;;; finalizer as ordinary code, with the whole heap available, and may even
;;; keep the object ("resurrection").

(define g (make-guardian))
(define open-count 0)

(define (open-resource name)
  (let ((resource (vector 'resource name 'open)))
    (set! open-count (+ open-count 1))
    (g resource)
    resource))

(define (close! resource)
  (vector-set! resource 2 'closed)
  (set! open-count (- open-count 1)))

(define (finalize-all!)
  (let loop ((n 0))
    (let ((resource (g)))
      (if resource
          (begin (close! resource) (loop (+ n 1)))
          n))))

(define kept (open-resource "kept"))
(do ((i 0 (+ i 1))) ((= i 5))
  (open-resource (string-append "temp-" (number->string i))))
(display "open: ") (display open-count) (newline)
(collect)
(display "finalized: ") (display (finalize-all!)) (newline)
(display "open: ") (display open-count) (newline)
(display "anything more? ") (display (g)) (newline)

;; Resurrection: the program keeps what the guardian hands back.
(define survivor #f)
(let ((resource (open-resource "phoenix"))) 'dropped)
(collect)
(set! survivor (g))
(display "resurrected: ") (display (vector-ref survivor 1)) (newline)
;; It is handed back once per registration: dropped again, it is just freed.
(set! survivor #f)
(collect)
(display "handed back twice? ") (display (g)) (newline)

;; Any object with a lifetime can be guarded.
(g (string-append "a " "string"))
(g (list 1 2 3))
(g (lambda () 'a-closure))
(collect)
(define (kind x)
  (cond ((string? x) 'string) ((pair? x) 'pair) ((procedure? x) 'procedure) (else 'other)))
(display "kinds: ")
(display (let loop ((kinds '()))
           (let ((x (g)))
             (if x (loop (cons (kind x) kinds)) (reverse kinds)))))
(newline)
