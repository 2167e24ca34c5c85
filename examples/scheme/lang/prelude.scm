;;; The standard procedures written in Scheme. They call procedures passed
;;; to them, which a Rust builtin cannot do without recursing on the Rust
;;; stack; here they are ordinary bytecode on the VM's own stack. Every
;;; loop is a tail call, so long lists need no deep recursion.

(define (map1 f lst)
  (let loop ((l lst) (acc '()))
    (if (pair? l)
        (loop (cdr l) (cons (f (car l)) acc))
        (reverse acc))))

(define (any-null? lists)
  (cond ((null? lists) #f)
        ((null? (car lists)) #t)
        (else (any-null? (cdr lists)))))

(define (map f lst . more)
  (if (null? more)
      (map1 f lst)
      (let loop ((lists (cons lst more)) (acc '()))
        (if (any-null? lists)
            (reverse acc)
            (loop (map1 cdr lists) (cons (apply f (map1 car lists)) acc))))))

(define (for-each f lst . more)
  (if (null? more)
      (let loop ((l lst))
        (when (pair? l)
          (f (car l))
          (loop (cdr l))))
      (let loop ((lists (cons lst more)))
        (unless (any-null? lists)
          (apply f (map1 car lists))
          (loop (map1 cdr lists))))))

(define (filter keep? lst)
  (let loop ((l lst) (acc '()))
    (cond ((null? l) (reverse acc))
          ((keep? (car l)) (loop (cdr l) (cons (car l) acc)))
          (else (loop (cdr l) acc)))))

(define (fold-left f init lst)
  (let loop ((acc init) (l lst))
    (if (null? l) acc (loop (f acc (car l)) (cdr l)))))

(define (fold-right f init lst)
  (fold-left (lambda (acc x) (f x acc)) init (reverse lst)))

(define (reduce f init lst)
  (if (null? lst) init (fold-left f (car lst) (cdr lst))))

(define (iota n . start)
  (let ((first (if (null? start) 0 (car start))))
    (let loop ((i (- n 1)) (acc '()))
      (if (< i 0) acc (loop (- i 1) (cons (+ first i) acc))))))

(define (list-copy lst) (map1 (lambda (x) x) lst))

(define (vector-map f v) (list->vector (map1 f (vector->list v))))

(define (table-for-each f table)
  (for-each (lambda (key) (f key (table-ref table key))) (table-keys table)))
